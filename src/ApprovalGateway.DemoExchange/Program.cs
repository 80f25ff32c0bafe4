using ApprovalGateway.DemoExchange;

await DemoExchangeServer.RunAsync(args);
