namespace ApprovalGateway.Proxy;

/// <summary>
/// A session's GET stream as the SDK writes it, kept by the gateway past the agent's connection to it: the SDK serves
/// one GET per session and never another, where the TypeScript SDK takes a new GET once the last one ended. What the
/// SDK writes goes to the agent's GET connected now (the first, or a later one the gateway serves itself), and nowhere
/// while none is, as a TypeScript server drops it. The SDK's GET ends with its session, or once no agent's GET has
/// carried it for <c>unattendedFor</c> (<c>Gateway:Resumption:Window</c>): while it runs the SDK counts the session as
/// in use, and would not expire it.
/// </summary>
internal sealed class HeldGetStream(HttpResponse response, TimeSpan unattendedFor, TimeProvider time) : WriteOnlyStream
{
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _released = new();
    private Carrier? _carrier;
    private ITimer? _unattended;
    private bool _serving;
    private bool _disposed;

    /// <summary>Cancelled when the gateway lets the SDK's GET go: what the SDK's GET takes for its request's end.</summary>
    public CancellationToken Released => _released.Token;

    /// <summary>Whether the SDK took the GET for the session's stream (rather than refusing it) and it still runs.</summary>
    public bool IsServing => Volatile.Read(ref _serving) && !_released.IsCancellationRequested;

    /// <summary>
    /// Sends what the SDK writes to <paramref name="agent"/> until <paramref name="gone"/> (the agent's connection
    /// dropped), a write to it fails, another GET takes over, or the SDK's GET ends.
    /// </summary>
    public Task CarryAsync(Stream agent, CancellationToken gone)
    {
        var carrier = new Carrier(agent);
        lock (_gate)
        {
            if (_disposed)
            {
                return Task.CompletedTask;
            }

            _carrier?.Done.TrySetResult();
            _carrier = carrier;
            _unattended?.Dispose();
            _unattended = null;
        }

        carrier.Registration = gone.Register(() => Drop(carrier));
        return carrier.Done.Task;
    }

    private void Drop(Carrier carrier)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_carrier, carrier))
            {
                _carrier = null;
                if (!_disposed)
                {
                    _unattended = time.CreateTimer(_ => Release(), null, unattendedFor, Timeout.InfiniteTimeSpan);
                }
            }
        }

        carrier.Done.TrySetResult();
    }

    private void Release()
    {
        try
        {
            _released.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The SDK's GET ended meanwhile.
        }
    }

    private Carrier? Current()
    {
        // The SDK answers a GET it takes as an event stream; its refusals are JSON.
        if (!_serving && response.ContentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true)
        {
            Volatile.Write(ref _serving, true);
        }

        return Volatile.Read(ref _carrier);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Current() is not { } carrier)
        {
            return;
        }

        try
        {
            await carrier.Agent.WriteAsync(buffer, cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The agent's connection went: the SDK's GET goes on for the next one.
            Drop(carrier);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (Current() is not { } carrier)
        {
            return;
        }

        try
        {
            await carrier.Agent.FlushAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            Drop(carrier);
        }
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Carrier? carrier;
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                carrier = _carrier;
                _carrier = null;
                _unattended?.Dispose();
                _unattended = null;
            }

            carrier?.Registration.Dispose();
            carrier?.Done.TrySetResult();
            _released.Dispose();
        }

        base.Dispose(disposing);
    }

    private sealed class Carrier(Stream agent)
    {
        public Stream Agent { get; } = agent;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }
    }
}
