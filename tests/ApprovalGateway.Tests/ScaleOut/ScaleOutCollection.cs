namespace ApprovalGateway.Tests.ScaleOut;

/// <summary>
/// The scale-out tests share one PostgreSQL cluster and one Redis server, and run alone: their in-process gateways
/// would meet the others' through Hangfire's statics, and their restarts of the shared servers are timed.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScaleOutCollection : ICollectionFixture<ScaleOutServices>
{
    public const string Name = "Scale-out services";
}
