namespace ApprovalGateway.DemoExchange;

// A named Program rather than top-level statements: the test project sees the internals of both the gateway and
// the demo, and two global Program types would be ambiguous there (WebApplicationFactory<Program>).
internal static class Program
{
    public static Task Main(string[] args) => DemoExchangeServer.RunAsync(args);
}
