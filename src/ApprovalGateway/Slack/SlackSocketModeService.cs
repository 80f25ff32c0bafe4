using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Slack;

/// <summary>
/// Receives clicks over Slack Socket Mode when <c>Slack:AppToken</c> is set, for gateways without a public URL.
/// Acks every envelope at once, hands clicks to the same <see cref="SlackInteractionHandler"/> as the HTTP endpoint,
/// and reconnects when Slack asks to or the socket drops.
/// </summary>
internal sealed class SlackSocketModeService(
    SlackApiClient slack,
    SlackInteractionHandler handler,
    IOptions<SlackOptions> options,
    TimeProvider time,
    ILogger<SlackSocketModeService> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private const int MaxMessageBytes = 1024 * 1024;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.UsesSocketMode)
        {
            return;
        }

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                var url = await slack.OpenSocketModeConnectionAsync(stoppingToken);
                using var socket = new ClientWebSocket();
                await socket.ConnectAsync(url, stoppingToken);
                Log.SocketModeConnected(logger);
                failures = 0;
                if (await ReceiveAsync(socket, stoppingToken))
                {
                    continue;
                }

                delay = Backoff(++failures);
                Log.SocketModeLost(logger, null, delay);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (SlackRateLimitedException ex)
            {
                delay = ex.RetryAfter;
                Log.SocketModeLost(logger, ex, delay);
            }
            catch (Exception ex)
            {
                delay = Backoff(++failures);
                Log.SocketModeLost(logger, ex, delay);
            }

            try
            {
                await Task.Delay(delay, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static TimeSpan Backoff(int failures) =>
        TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(failures - 1, 5))));

    /// <summary>Reads envelopes until the socket ends; true when Slack asked for the reconnect.</summary>
    private async Task<bool> ReceiveAsync(ClientWebSocket socket, CancellationToken stoppingToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        while (socket.State == WebSocketState.Open)
        {
            buffer.ResetWrittenCount();
            ValueWebSocketReceiveResult received;
            do
            {
                received = await socket.ReceiveAsync(buffer.GetMemory(16 * 1024), stoppingToken);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return false;
                }

                buffer.Advance(received.Count);
                if (buffer.WrittenCount > MaxMessageBytes)
                {
                    throw new InvalidDataException($"A Socket Mode message exceeded {MaxMessageBytes} bytes");
                }
            }
            while (!received.EndOfMessage);

            JsonDocument envelope;
            try
            {
                envelope = JsonDocument.Parse(buffer.WrittenMemory);
            }
            catch (JsonException ex)
            {
                Log.SocketModeMalformed(logger, ex);
                continue;
            }

            using (envelope)
            {
                if (await HandleEnvelopeAsync(socket, envelope.RootElement, stoppingToken))
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "reconnecting", stoppingToken);
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>True when the envelope asks for a reconnect.</summary>
    private async Task<bool> HandleEnvelopeAsync(ClientWebSocket socket, JsonElement envelope, CancellationToken stoppingToken)
    {
        if (envelope.ValueKind != JsonValueKind.Object)
        {
            return false;
        }

        if (SlackJson.Text(envelope, "envelope_id") is { } id)
        {
            // Ack before handling: Slack redelivers an envelope that is not acked within a few seconds.
            var ack = Encoding.UTF8.GetBytes(new JsonObject { ["envelope_id"] = id }.ToJsonString());
            await socket.SendAsync(ack, WebSocketMessageType.Text, endOfMessage: true, stoppingToken);
        }

        switch (SlackJson.Text(envelope, "type"))
        {
            case "disconnect":
                var reason = SlackJson.Text(envelope, "reason");
                Log.SocketModeDisconnectRequested(logger, reason);
                return true;
            case "interactive" when envelope.TryGetProperty("payload", out var payload):
                await handler.HandleAsync(payload, stoppingToken);
                return false;
            default:
                return false;
        }
    }
}
