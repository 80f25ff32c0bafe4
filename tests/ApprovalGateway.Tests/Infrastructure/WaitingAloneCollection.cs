namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>
/// Tests that spend minutes waiting on the clock and start no gateway in this process. They run beside the one
/// collection that holds every other test (see AssemblyInfo.cs): waiting costs that collection nothing.
/// </summary>
[CollectionDefinition(Name)]
public sealed class WaitingAloneCollection
{
    public const string Name = "Waiting alone";
}
