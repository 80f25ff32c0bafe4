using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Tests.Infrastructure;

/// <summary>
/// An agent's transport that answers the requests its server sends it (sampling, elicitation, roots, tasks) with the
/// test's own JSON and keeps them as they arrived, since the SDK's typed handlers would reshape both. A request
/// <paramref name="answer"/> gives no task for goes to the SDK's client as usual. With <paramref name="capabilities"/>,
/// the client declares exactly those in <c>initialize</c>.
/// </summary>
internal sealed class RawAnsweringTransport(
    IClientTransport inner, Func<JsonRpcRequest, Task<JsonRpcMessage>?> answer, JsonObject? capabilities = null) : IClientTransport
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonRpcRequest>> _first = new(StringComparer.Ordinal);

    public ConcurrentQueue<JsonRpcRequest> Received { get; } = new();

    /// <summary>Completes with the first request of <paramref name="method"/> this transport answered.</summary>
    public Task<JsonRpcRequest> FirstReceived(string method) => First(method).Task;

    private Func<JsonRpcRequest, Task<JsonRpcMessage>?> Answer => answer;

    private JsonObject? Capabilities => capabilities;

    public string Name => inner.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        new Session(await inner.ConnectAsync(cancellationToken), this);

    private TaskCompletionSource<JsonRpcRequest> First(string method) =>
        _first.GetOrAdd(method, _ => new TaskCompletionSource<JsonRpcRequest>(TaskCreationOptions.RunContinuationsAsynchronously));

    public static JsonRpcResponse Result(JsonRpcRequest request, string json) =>
        new() { Id = request.Id, Result = JsonNode.Parse(json) };

    public static JsonRpcError Error(JsonRpcRequest request, int code, string message, string? dataJson = null) => new()
    {
        Id = request.Id,
        Error = new JsonRpcErrorDetail
        {
            Code = code,
            Message = message,
            Data = dataJson is null ? null : JsonSerializer.Deserialize<JsonElement>(dataJson),
        },
    };

    private sealed class Session : ITransport
    {
        private readonly ITransport _inner;
        private readonly RawAnsweringTransport _owner;
        private readonly Channel<JsonRpcMessage> _passed = Channel.CreateUnbounded<JsonRpcMessage>();

        public Session(ITransport inner, RawAnsweringTransport owner)
        {
            (_inner, _owner) = (inner, owner);
            _ = PumpAsync();
        }

        public string? SessionId => _inner.SessionId;

        public ChannelReader<JsonRpcMessage> MessageReader => _passed.Reader;

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
        {
            if (_owner.Capabilities is { } declared && message is JsonRpcRequest { Method: RequestMethods.Initialize, Params: JsonObject parameters })
            {
                parameters["capabilities"] = declared.DeepClone();
            }

            return _inner.SendMessageAsync(message, cancellationToken);
        }

        private async Task PumpAsync()
        {
            try
            {
                await foreach (var message in _inner.MessageReader.ReadAllAsync())
                {
                    if (message is JsonRpcRequest request && _owner.Answer(request) is { } answering)
                    {
                        _owner.Received.Enqueue(request);
                        _owner.First(request.Method).TrySetResult(request);
                        _ = ReplyAsync(answering);
                    }
                    else
                    {
                        await _passed.Writer.WriteAsync(message);
                    }
                }

                await _inner.MessageReader.Completion;
                _passed.Writer.TryComplete();
            }
            catch (Exception ex)
            {
                _passed.Writer.TryComplete(ex);
            }
        }

        private async Task ReplyAsync(Task<JsonRpcMessage> answering)
        {
            try
            {
                await _inner.SendMessageAsync(await answering);
            }
            catch (Exception)
            {
                // The session closed before the answer went out; the test sees its missing effect.
            }
        }

        public ValueTask DisposeAsync() => _inner.DisposeAsync();
    }
}
