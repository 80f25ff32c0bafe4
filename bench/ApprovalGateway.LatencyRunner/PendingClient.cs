using System.Globalization;
using ModelContextProtocol.Client;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// The agents' side of section 3, run as a child process so the gateway's memory figures hold only the gateway
/// (and so each process stays inside its file descriptor limit: every held call is one open connection).
/// Prints <c>issued</c> once every call is sent, then one summary line when every call has an answer.
/// </summary>
internal static class PendingClient
{
    public const string Mode = "pending-client";

    public static async Task<int> RunAsync(string[] args)
    {
        var endpoint = new Uri(args[1]);
        var count = int.Parse(args[2], CultureInfo.InvariantCulture);
        var sessions = int.Parse(args[3], CultureInfo.InvariantCulture);
        var clients = new List<McpClient>();
        for (var s = 0; s < sessions; s++)
        {
            clients.Add(await Clients.HttpAsync(endpoint));
        }

        var calls = new Task<string>[count];
        for (var i = 0; i < count; i++)
        {
            calls[i] = CallAsync(clients[i % sessions], $"held-{i}");
        }

        Console.WriteLine("issued");
        var outcomes = await Task.WhenAll(calls);
        var summary = outcomes.GroupBy(o => o).Select(g => $"{g.Key}={g.Count()}");
        Console.WriteLine($"answered {outcomes.Length} {string.Join(' ', summary)}");
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        return 0;
    }

    private static async Task<string> CallAsync(McpClient client, string message)
    {
        try
        {
            var result = await client.CallToolAsync("echo", new Dictionary<string, object?> { ["message"] = message });
            return result.IsError == true ? "tool-error" : "ok";
        }
        catch (Exception ex)
        {
            return "exception:" + ex.GetType().Name;
        }
    }
}
