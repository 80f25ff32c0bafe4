namespace ApprovalGateway.Tests.Approvals;

/// <summary>
/// Hangfire keeps its log provider and job activator in process-wide statics, set by the last host started;
/// hosts that overlap make one host's server log through another's disposed logger factory. Tests that start
/// a Hangfire server therefore join this collection and run alone, one host at a time.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HangfireCollection
{
    public const string Name = "Hangfire";
}
