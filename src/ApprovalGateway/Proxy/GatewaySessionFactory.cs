using ApprovalGateway.Policy;
using ApprovalGateway.Hosting;
using ApprovalGateway.Proxy.Resumption;
using ApprovalGateway.Proxy.Tasks;
using ApprovalGateway.Upstreams;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Proxy;

/// <summary>Creates the per-connection <see cref="GatewaySession"/> with everything it shares with the others.</summary>
internal sealed class GatewaySessionFactory(
    ToolCatalog catalog,
    UpstreamConnector connector,
    ToolCallPipeline pipeline,
    IToolCallPolicy policy,
    IOptions<GatewayOptions> options,
    UpstreamStatusBoard board,
    TimeProvider time,
    IHttpContextAccessor http,
    GatewayTasks tasks,
    PolicyStore policyStore,
    ILoggerFactory loggerFactory,
    UnreadableRequestAudit refusals,
    ResumableStreamStore? streams = null)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("ApprovalGateway.Proxy");

    public GatewaySession Create(SessionIdentity identity) =>
        new(identity, catalog, connector, pipeline, policy, options.Value, board, time, _logger, http, tasks, policyStore, streams, refusals);
}
