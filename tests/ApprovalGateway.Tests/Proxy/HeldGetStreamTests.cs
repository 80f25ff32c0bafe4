using ApprovalGateway.Proxy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace ApprovalGateway.Tests.Proxy;

public sealed class HeldGetStreamTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task SdksGet_IsKept_WhileAnAgentsGetCarriesIt_OrOneComesBackWithinTheWindow()
    {
        var time = new FakeTimeProvider();
        using var held = new HeldGetStream(new DefaultHttpContext().Response, Window, time);
        using var first = new CancellationTokenSource();
        var carried = held.CarryAsync(Stream.Null, first.Token);

        time.Advance(Window * 2);
        Assert.False(held.Released.IsCancellationRequested);

        await first.CancelAsync();
        await carried;
        time.Advance(Window - TimeSpan.FromSeconds(1));
        // The agent's next GET within the window takes the stream over, and holds it as long as it lasts.
        var second = held.CarryAsync(Stream.Null, CancellationToken.None);
        time.Advance(Window * 2);
        Assert.False(held.Released.IsCancellationRequested);
        Assert.False(second.IsCompleted);
    }

    [Fact]
    public async Task SdksGet_IsLetGo_WhenTheAgentDoesNotComeBackWithinTheWindow()
    {
        var time = new FakeTimeProvider();
        using var held = new HeldGetStream(new DefaultHttpContext().Response, Window, time);
        using var gone = new CancellationTokenSource();
        var carried = held.CarryAsync(Stream.Null, gone.Token);

        await gone.CancelAsync();
        await carried;
        time.Advance(Window - TimeSpan.FromSeconds(1));
        Assert.False(held.Released.IsCancellationRequested);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(held.Released.IsCancellationRequested);
    }
}
