using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

internal static class ServerCapabilitiesExtensions
{
    /// <summary>The lists a server's capabilities declare it offers.</summary>
    public static ListKinds Lists(this ServerCapabilities capabilities) =>
        (capabilities.Tools is null ? ListKinds.None : ListKinds.Tools)
        | (capabilities.Resources is null ? ListKinds.None : ListKinds.Resources)
        | (capabilities.Prompts is null ? ListKinds.None : ListKinds.Prompts);
}
