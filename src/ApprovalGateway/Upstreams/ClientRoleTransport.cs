using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>Connects as <paramref name="inner"/> does, with the gateway playing the client's part (<see cref="UpstreamClientRole"/>).</summary>
internal sealed class ClientRoleTransport(IClientTransport inner, UpstreamClientRole role, ServerRequestOrigins? origins, ILogger logger)
    : IClientTransport
{
    public string Name => inner.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        new ClientRoleSession(Name, await inner.ConnectAsync(cancellationToken), role, origins, logger);
}
