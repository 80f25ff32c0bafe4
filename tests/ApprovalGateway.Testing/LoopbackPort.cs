using System.Net;
using System.Net.Sockets;

namespace ApprovalGateway.Testing;

/// <summary>
/// A loopback port free at the moment of asking, for servers that cannot report the port they bound to 0
/// (node servers, PostgreSQL, Redis). Another process could take it before the server binds; on a test machine
/// that is rare enough that failing the start loudly is the right answer.
/// </summary>
public static class LoopbackPort
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
