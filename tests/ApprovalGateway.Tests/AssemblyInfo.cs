// Hangfire keeps process-wide statics (its log provider, its job activator), set by the last host started, and
// every gateway host starts a Hangfire server: hosts in parallel would log and activate jobs through each other's
// disposed services. Tests here also start real node and dotnet processes, which keep a 2-core machine busy. So
// every test class shares one collection and runs in turn, except the few of WaitingAloneCollection, which only wait
// on a gateway process of their own and run beside it. Collections that disable parallelization (Hangfire's,
// scale-out's) run alone after both.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly, MaxParallelThreads = 2)]
