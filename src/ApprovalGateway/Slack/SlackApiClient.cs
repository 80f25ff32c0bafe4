using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Slack;

/// <summary>The few Slack Web API methods the gateway uses, over a typed HttpClient whose base address is <c>Slack:ApiBaseUrl</c>.</summary>
internal sealed class SlackApiClient(HttpClient http, IOptions<SlackOptions> options, TimeProvider time)
{
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(1);

    /// <summary>The most messages <see cref="FindTaggedMessageAsync"/> reads before it gives up looking.</summary>
    private const int MaxHistoryPages = 10;

    public async Task<SlackMessageRef> PostMessageAsync(string channel, SlackMessage message, SlackPromptTag tag, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["channel"] = channel,
            ["text"] = message.Text,
            ["blocks"] = message.Blocks.DeepClone(),
            ["metadata"] = tag.ToMetadata(),
        };
        using var answer = await CallAsync("chat.postMessage", options.Value.BotToken, body, cancellationToken);
        var root = answer.RootElement;
        return new SlackMessageRef(
            SlackJson.Text(root, "channel") ?? channel,
            SlackJson.Text(root, "ts") ?? throw new SlackApiException("chat.postMessage", "missing_ts"));
    }

    public async Task UpdateMessageAsync(SlackMessageRef target, SlackMessage message, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["channel"] = target.Channel,
            ["ts"] = target.Ts,
            ["text"] = message.Text,
            ["blocks"] = message.Blocks.DeepClone(),
        };
        using var _ = await CallAsync("chat.update", options.Value.BotToken, body, cancellationToken);
    }

    /// <summary>
    /// conversations.history since <paramref name="oldest"/> with message metadata: the message that carries
    /// <paramref name="tag"/>, or null. Needs the <c>channels:history</c> scope (<c>groups:history</c> for a private channel).
    /// </summary>
    public async Task<SlackMessageRef?> FindTaggedMessageAsync(string channel, DateTimeOffset oldest, SlackPromptTag tag, CancellationToken cancellationToken)
    {
        const string Method = "conversations.history";
        string? cursor = null;
        for (var page = 0; page < MaxHistoryPages; page++)
        {
            var query = $"{Method}?channel={Uri.EscapeDataString(channel)}&oldest={oldest.ToUnixTimeSeconds()}.000000&include_all_metadata=true&limit=200"
                + (cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}");
            using var request = new HttpRequestMessage(HttpMethod.Get, query);
            using var answer = await SendAsync(Method, options.Value.BotToken, request, cancellationToken);
            var root = answer.RootElement;
            if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array)
            {
                foreach (var message in messages.EnumerateArray())
                {
                    if (tag.IsOn(message) && SlackJson.Text(message, "ts") is { } found)
                    {
                        return new SlackMessageRef(channel, found);
                    }
                }
            }

            cursor = root.TryGetProperty("response_metadata", out var meta) ? SlackJson.Text(meta, "next_cursor") : null;
            if (string.IsNullOrEmpty(cursor))
            {
                return null;
            }
        }

        return null;
    }

    /// <summary>apps.connections.open with the app-level token: a fresh WebSocket URL for Socket Mode.</summary>
    public async Task<Uri> OpenSocketModeConnectionAsync(CancellationToken cancellationToken)
    {
        using var answer = await CallAsync("apps.connections.open", options.Value.AppToken, body: null, cancellationToken);
        var url = SlackJson.Text(answer.RootElement, "url");
        return Uri.TryCreate(url, UriKind.Absolute, out var uri)
            ? uri
            : throw new SlackApiException("apps.connections.open", "missing_url");
    }

    /// <summary>Tells only the clicker something, through the click's <c>response_url</c>, leaving the prompt as it is.</summary>
    public async Task PostEphemeralAsync(Uri responseUrl, string text, CancellationToken cancellationToken)
    {
        if (!IsSlacks(responseUrl))
        {
            throw new SlackApiException("response_url", $"{responseUrl.GetLeftPart(UriPartial.Authority)} is not Slack's, so the gateway did not post there");
        }

        var body = new JsonObject
        {
            ["response_type"] = "ephemeral",
            ["replace_original"] = false,
            ["text"] = text,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, responseUrl) { Content = JsonContent(body) };
        using var response = await http.SendAsync(request, cancellationToken);
        ThrowOnHttpFailure("response_url", response);
    }

    /// <summary>
    /// A response_url arrives in the signed payload and takes a post with no token, so the gateway posts only where
    /// Slack lives (or where <c>Slack:ApiBaseUrl</c> points): a payload signed with a leaked secret cannot turn it
    /// against hosts inside the network.
    /// </summary>
    private bool IsSlacks(Uri url) =>
        (url.Scheme == Uri.UriSchemeHttps
            && (url.Host.Equals("slack.com", StringComparison.OrdinalIgnoreCase) || url.Host.EndsWith(".slack.com", StringComparison.OrdinalIgnoreCase)))
        || (http.BaseAddress is { } api
            && Uri.Compare(url, api, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0);

    private async Task<JsonDocument> CallAsync(string method, string? token, JsonObject? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, method)
        {
            Content = JsonContent(body ?? []),
        };
        return await SendAsync(method, token, request, cancellationToken);
    }

    private async Task<JsonDocument> SendAsync(string method, string? token, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, cancellationToken);
        ThrowOnHttpFailure(method, response);

        var answer = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        var root = answer.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("ok", out var ok) || ok.ValueKind != JsonValueKind.True)
        {
            var error = SlackJson.Text(root, "error");
            answer.Dispose();
            throw new SlackApiException(method, error ?? "unknown_error");
        }

        return answer;
    }

    private void ThrowOnHttpFailure(string method, HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            var retryAfter = response.Headers.RetryAfter?.Delta
                ?? (response.Headers.RetryAfter?.Date is { } date ? date - time.GetUtcNow() : null);
            throw new SlackRateLimitedException(method, retryAfter is { } delay && delay > TimeSpan.Zero ? delay : DefaultRetryAfter);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"Slack {method} answered HTTP {(int)response.StatusCode}", inner: null, response.StatusCode);
        }
    }

    private static StringContent JsonContent(JsonObject body) =>
        new(body.ToJsonString(), Encoding.UTF8, "application/json");
}
