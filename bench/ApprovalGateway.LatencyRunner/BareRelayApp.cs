using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ApprovalGateway.LatencyRunner;

/// <summary>
/// The floor under any .NET proxy hop: Kestrel takes the agent's HTTP request and HttpClient sends its bytes on to
/// the upstream, with the session headers and nothing else. No MCP, no JSON, no policy, no audit. What it adds to
/// a call is what one extra loopback HTTP hop through ASP.NET Core costs on this machine, before the gateway does
/// any of its own work.
/// </summary>
internal static class BareRelayApp
{
    private static readonly string[] RequestHeaders = ["Accept", "Mcp-Session-Id", "MCP-Protocol-Version", "Last-Event-ID"];

    public static async Task<(WebApplication App, Uri Url)> StartAsync(Uri upstream)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var http = new HttpClient(new SocketsHttpHandler { UseCookies = false, UseProxy = false, AllowAutoRedirect = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        app.Map("/mcp", context => RelayAsync(http, upstream, context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(new Uri(address), "/mcp"));
    }

    private static async Task RelayAsync(HttpClient http, Uri upstream, HttpContext context)
    {
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), upstream);
        foreach (var name in RequestHeaders)
        {
            if (context.Request.Headers.TryGetValue(name, out var values))
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Headers.TryGetValues("Mcp-Session-Id", out var session))
        {
            context.Response.Headers["Mcp-Session-Id"] = session.ToArray();
        }

        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);

        // Server-sent events go on as they arrive: a stream that waits for a full buffer would hold back an answer.
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }
}
