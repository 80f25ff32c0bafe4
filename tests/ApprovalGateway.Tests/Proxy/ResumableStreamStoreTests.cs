using System.Net.ServerSentEvents;
using System.Text.Json.Nodes;
using ApprovalGateway.Hosting;
using ApprovalGateway.Proxy.Resumption;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace ApprovalGateway.Tests.Proxy;

#pragma warning disable MCP9006 // The resumability types serve the stateful sessions the gateway runs.

/// <summary>
/// The event store behind resumption stays within its memory budget and its window, never loses an answer silently,
/// and tells a request whose agent went away for good from one whose agent comes back.
/// </summary>
public sealed class ResumableStreamStoreTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Answers_PastTheMemoryBudget_AreReplayedAsAnErrorSayingSo_AndTheStoreStaysWithinIt()
    {
        using var store = Store(maxBytes: ResumptionOptionsValidator.MinBufferedBytes);
        var primed = new List<string>();
        for (var id = 1; id <= 8; id++)
        {
            var (writer, priming) = await OpenAsync(store, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            await writer.WriteEventAsync(Message(Answer(id, new string('x', 200_000))));
            await writer.DisposeAsync();
            primed.Add(priming);
        }

        var oldest = await ReplayAsync(store, primed[0]);
        var newest = await ReplayAsync(store, primed[^1]);

        Assert.InRange(store.BufferedBytes, 0, ResumptionOptionsValidator.MinBufferedBytes);
        var error = Assert.IsType<JsonRpcError>(Assert.Single(oldest));
        Assert.Equal(1L, error.Id.Id);
        Assert.Contains("Gateway:Resumption:MaxBufferedBytes", error.Error.Message, StringComparison.Ordinal);
        Assert.Contains("check before repeating it", error.Error.Message, StringComparison.Ordinal);
        Assert.Equal(8L, Assert.IsType<JsonRpcResponse>(Assert.Single(newest)).Id.Id);
    }

    [Fact]
    public async Task IsAnsweredThrough_FromTheAnswerOn_InItsOwnSession_NotBeforeIt()
    {
        using var store = Store();
        var (writer, priming) = await OpenAsync(store, "1");
        var progress = await writer.WriteEventAsync(Message(new JsonRpcNotification { Method = "notifications/progress" }));
        var before = store.IsAnsweredThrough("session", progress.EventId!);
        var answer = await writer.WriteEventAsync(Message(new JsonRpcError
        {
            Id = new RequestId(1),
            Error = new JsonRpcErrorDetail { Code = -32602, Message = "Unknown tool" },
        }));
        await writer.DisposeAsync();
        var (listening, listeningPriming) = await OpenAsync(store, "__get__");
        await listening.WriteEventAsync(Message(new JsonRpcNotification { Method = "notifications/tools/list_changed" }));

        Assert.False(before);
        Assert.False(store.IsAnsweredThrough("session", priming));
        Assert.True(store.IsAnsweredThrough("session", answer.EventId!));
        Assert.False(store.IsAnsweredThrough("another-session", answer.EventId!));
        Assert.False(store.IsAnsweredThrough("session", listeningPriming));
        Assert.False(store.IsAnsweredThrough("session", "not-an-id"));
        Assert.IsType<JsonRpcError>(Assert.Single(await ReplayAsync(store, progress.EventId!)));
    }

    [Fact]
    public async Task AnAnswerTooLargeToKeep_DoesNotPushOutTheOthers()
    {
        using var store = Store(maxBytes: ResumptionOptionsValidator.MinBufferedBytes);
        var (small, smallPriming) = await OpenAsync(store, "1");
        await small.WriteEventAsync(Message(Answer(1, "small")));
        var (huge, hugePriming) = await OpenAsync(store, "2");
        await huge.WriteEventAsync(Message(Answer(2, new string('x', 600_000))));
        await small.DisposeAsync();
        await huge.DisposeAsync();

        Assert.IsType<JsonRpcResponse>(Assert.Single(await ReplayAsync(store, smallPriming)));
        var error = Assert.IsType<JsonRpcError>(Assert.Single(await ReplayAsync(store, hugePriming)));
        Assert.Contains("more than a quarter of Gateway:Resumption:MaxBufferedBytes", error.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EndedStreams_AreForgotten_OnceTheWindowPasses_AndSessionsTakeTheirsAlong()
    {
        using var store = Store();
        var (ended, endedPriming) = await OpenAsync(store, "1");
        await ended.WriteEventAsync(Message(Answer(1, "done")));
        await ended.DisposeAsync();
        var (_, openPriming) = await OpenAsync(store, "2", session: "other");

        _time.Advance(Window - TimeSpan.FromSeconds(1));
        Assert.NotNull(await store.GetStreamReaderAsync(endedPriming));
        _time.Advance(TimeSpan.FromSeconds(16));
        Assert.Null(await store.GetStreamReaderAsync(endedPriming));

        Assert.NotNull(await store.GetStreamReaderAsync(openPriming));
        store.ForgetSession("other");
        Assert.Null(await store.GetStreamReaderAsync(openPriming));
        Assert.Equal(0, store.BufferedBytes);
    }

    [Fact]
    public async Task ARequestIsAbandoned_OnlyOnceNothingCarriedItsStreamForTheWindow()
    {
        using var store = Store();
        var (_, priming) = await OpenAsync(store, "7");
        using var post = new CancellationTokenSource();
        using var presence = store.Watch("session", "7", post.Token)!;

        await post.CancelAsync();
        _time.Advance(Window - TimeSpan.FromSeconds(1));
        Assert.False(presence.Abandoned.IsCancellationRequested);

        // The agent resumes: while its GET reads the stream, no amount of time abandons the request.
        using var reading = new CancellationTokenSource();
        var reader = (await store.GetStreamReaderAsync(priming))!;
        await using var events = reader.ReadEventsAsync(reading.Token).GetAsyncEnumerator(reading.Token);
        var next = events.MoveNextAsync();
        _time.Advance(Window * 3);
        Assert.False(presence.Abandoned.IsCancellationRequested);

        // It drops again and does not come back.
        await reading.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await next);
        _time.Advance(Window);
        Assert.True(presence.Abandoned.IsCancellationRequested);
    }

    [Theory]
    [InlineData("00:00:00.5", 67108864L, "Gateway:Resumption:Window must be at least 00:00:01")]
    [InlineData("00:31:00", 67108864L, "must not be longer than Gateway:SessionIdleTimeout (00:30:00)")]
    [InlineData("00:01:00", 1000L, "Gateway:Resumption:MaxBufferedBytes must be at least 1048576")]
    public void Validator_NamesTheSettingAndWhatIsWrong(string window, long maxBytes, string says)
    {
        var validator = new ResumptionOptionsValidator(Options.Create(new GatewayOptions()));

        var result = validator.Validate(null, new ResumptionOptions { Window = TimeSpan.Parse(window, System.Globalization.CultureInfo.InvariantCulture), MaxBufferedBytes = maxBytes });

        Assert.True(result.Failed);
        Assert.Contains(says, result.FailureMessage, StringComparison.Ordinal);
    }

    private ResumableStreamStore Store(long maxBytes = 64L * 1024 * 1024) =>
        new(Options.Create(new ResumptionOptions { Window = Window, MaxBufferedBytes = maxBytes }), _time, NullLogger<ResumableStreamStore>.Instance);

    /// <summary>Opens a stream as the SDK does for a POST: its priming event first.</summary>
    private static async Task<(ISseEventStreamWriter Writer, string PrimingId)> OpenAsync(ResumableStreamStore store, string streamId, string session = "session")
    {
        var writer = await store.CreateStreamAsync(new SseEventStreamOptions { SessionId = session, StreamId = streamId });
        var priming = await writer.WriteEventAsync(new SseItem<JsonRpcMessage?>(null));
        return (writer, priming.EventId!);
    }

    private static async Task<List<JsonRpcMessage>> ReplayAsync(ResumableStreamStore store, string lastEventId)
    {
        var reader = (await store.GetStreamReaderAsync(lastEventId))!;
        var messages = new List<JsonRpcMessage>();
        await foreach (var item in reader.ReadEventsAsync())
        {
            messages.Add(item.Data!);
        }

        return messages;
    }

    private static SseItem<JsonRpcMessage?> Message(JsonRpcMessage message) => new(message, "message");

    private static JsonRpcResponse Answer(long id, string text) => new()
    {
        Id = new RequestId(id),
        Result = new JsonObject { ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text }) },
    };
}
