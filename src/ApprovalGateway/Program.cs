using ApprovalGateway.Hosting;

if (GatewayCommands.TryRun(args, Console.Out, out var exitCode))
{
    return exitCode;
}

await using var app = GatewayApp.Build(args);
await app.RunAsync();
return 0;
