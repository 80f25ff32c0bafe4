using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ApprovalGateway.Upstreams;

/// <summary>
/// Watches the requests of one HTTP upstream session for the signs that it has ended while the SDK's client goes on
/// using it, which the client does not notice: a refused connection (the server is gone) and an answer saying the
/// server does not know the session (it restarted; the MCP spec says 404, and servers built on the TypeScript SDK's
/// examples answer 400 "No valid session ID provided"). Either ends the session (<see cref="WatchedHttpTransport"/>), so
/// the link reconnects; the request that met it, and any later one, fails as not delivered. It also gives the DELETE
/// that ends a session at most <paramref name="closeTimeout"/>, since the SDK's client gives it no deadline of its own.
/// </summary>
internal sealed class HttpSessionWatch(HttpMessageHandler inner, TimeProvider time, TimeSpan closeTimeout) : DelegatingHandler(inner)
{
    // The SDK's own wait between reconnections of an event stream (HttpClientTransportOptions.DefaultReconnectionInterval).
    private static readonly TimeSpan StreamRefusalPause = TimeSpan.FromSeconds(1);

    private readonly TaskCompletionSource<UpstreamSessionLostException> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes, with why, when the session has ended.</summary>
    public Task<UpstreamSessionLostException> Lost => _lost.Task;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_lost.Task.IsCompleted)
        {
            return await UnsentAsync(request, _lost.Task.Result, cancellationToken);
        }

        // The SDK's client ends a session with a DELETE it gives no deadline, and the link waits for it before it
        // reconnects: to a server that hung or went silent, it would wait as long as HttpClient lets an answer take.
        using var closing = request.Method == HttpMethod.Delete ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
        closing?.CancelAfter(closeTimeout);
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, closing?.Token ?? cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            // Failed while connecting: not one byte of the request went out.
            return await UnsentAsync(request, End(new UpstreamSessionLostException(ex.Message, ex.HttpRequestError, ex)), cancellationToken);
        }

        if (request.Headers.Contains("Mcp-Session-Id") && await ForgottenSessionAsync(response, cancellationToken) is { } reason)
        {
            var lost = End(new UpstreamSessionLostException(reason, HttpRequestError.Unknown));
            if (request.Method == HttpMethod.Delete)
            {
                return response;
            }

            response.Dispose();
            return await UnsentAsync(request, lost, cancellationToken);
        }

        return response;
    }

    private UpstreamSessionLostException End(UpstreamSessionLostException lost) =>
        _lost.TrySetResult(lost) ? lost : _lost.Task.Result;

    /// <summary>
    /// The request is not sent. Ending a session the server no longer has needs no DELETE (and a failed one would only
    /// log a warning), so that one is answered here. A GET on the session is the SDK's client reconnecting an event
    /// stream, which it retries at once, and for the session's own stream in a loop only the session's disposal ends: a
    /// refusal at once made that loop hold a thread until then, and a few sessions losing an upstream together starved
    /// the gateway of threads for seconds (so the link that would dispose them waited too). Refused after the pause
    /// the SDK itself takes between reconnections, the loop waits instead, and the disposal ends the wait.
    /// </summary>
    private async Task<HttpResponseMessage> UnsentAsync(HttpRequestMessage request, UpstreamSessionLostException lost, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Delete)
        {
            return new HttpResponseMessage(HttpStatusCode.NoContent) { RequestMessage = request };
        }

        // Without a session id it resumes the handshake's answer: retried a few times only, and the connect waits on it.
        if (request.Method == HttpMethod.Get && request.Headers.Contains("Mcp-Session-Id"))
        {
            await Task.Delay(StreamRefusalPause, time, cancellationToken);
        }

        throw Refused(request, lost);
    }

    private static UpstreamSessionLostException Refused(HttpRequestMessage request, UpstreamSessionLostException lost) =>
        new(lost.Message, lost.HttpRequestError, lost.InnerException) { RefusedPost = request.Method == HttpMethod.Post };

    /// <summary>Why the answer says the server does not know the session the request named, or null.</summary>
    private static async Task<string?> ForgottenSessionAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode is not (HttpStatusCode.NotFound or HttpStatusCode.BadRequest))
        {
            return null;
        }

        var message = await ErrorMessageAsync(response, cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound || message?.Contains("session", StringComparison.OrdinalIgnoreCase) == true
            ? $"it no longer knows the gateway's session, answering HTTP {(int)response.StatusCode}{(message is null ? "" : $" \"{message}\"")}"
            : null;
    }

    /// <summary>The JSON-RPC error message of a small JSON answer; the body stays readable for the SDK.</summary>
    private static async Task<string?> ErrorMessageAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/json" || response.Content.Headers.ContentLength > 64 * 1024)
        {
            return null;
        }

        try
        {
            await response.Content.LoadIntoBufferAsync(64 * 1024, cancellationToken);
            // Read loosely: such an answer to a GET or DELETE has no id, which a JSON-RPC error must have.
            var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) as JsonObject;
            return (answer?["error"] as JsonObject)?["message"].AsString();
        }
        catch (Exception ex) when (ex is JsonException or HttpRequestException or IOException or NotSupportedException)
        {
            return null;
        }
    }
}
