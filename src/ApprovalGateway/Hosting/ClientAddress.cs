using System.Net;

namespace ApprovalGateway.Hosting;

/// <summary>A caller's address as people read it: Kestrel's dual-stack sockets report IPv4 callers as <c>::ffff:a.b.c.d</c>.</summary>
internal static class ClientAddress
{
    public static IPAddress Plain(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
