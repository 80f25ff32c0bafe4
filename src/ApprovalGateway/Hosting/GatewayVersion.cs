using System.Reflection;

namespace ApprovalGateway.Hosting;

internal static class GatewayVersion
{
    public static string Current { get; } =
        typeof(GatewayVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";
}
