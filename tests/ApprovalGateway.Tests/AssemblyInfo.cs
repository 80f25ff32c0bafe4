// Hangfire keeps one process-wide log provider, and every gateway host starts a Hangfire server: hosts in
// parallel would log through each other's disposed providers. Tests here also start real node and dotnet
// processes; on a 2-core machine running them one at a time is both correct and about as fast.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
