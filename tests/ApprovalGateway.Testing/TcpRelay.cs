using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ApprovalGateway.Testing;

/// <summary>
/// A loopback port relayed to a server, which a test can cut off and restore: one client's network path failing
/// while the server stays up for every other client. Cut, it closes every relayed connection and refuses new ones.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly Lock _gate = new();
    private readonly List<TcpClient> _open = [];
    private TcpListener? _listener;
    private CancellationTokenSource _accepting = new();

    private TcpRelay(IPEndPoint target, int port)
    {
        _target = target;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The relay's address as a client's connection string takes it (host:port).</summary>
    public string Address => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    /// <param name="target">The server's address, as <c>host:port</c>.</param>
    public static TcpRelay Start(string target)
    {
        var relay = new TcpRelay(IPEndPoint.Parse(target), LoopbackPort.Free());
        relay.Restore();
        return relay;
    }

    /// <summary>Listens again on the same port and relays new connections.</summary>
    public void Restore()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        lock (_gate)
        {
            _listener = listener;
            _accepting = new CancellationTokenSource();
        }

        _ = AcceptAsync(listener, _accepting.Token);
    }

    /// <summary>Stops listening and closes every relayed connection, on both sides.</summary>
    public void Cut()
    {
        List<TcpClient> open;
        lock (_gate)
        {
            _accepting.Cancel();
            _listener?.Stop();
            _listener = null;
            open = [.. _open];
            _open.Clear();
        }

        foreach (var client in open)
        {
            client.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Cut();
        return ValueTask.CompletedTask;
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient inbound;
            try
            {
                inbound = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = RelayAsync(inbound);
        }
    }

    private async Task RelayAsync(TcpClient inbound)
    {
        var outbound = new TcpClient();
        lock (_gate)
        {
            _open.Add(inbound);
            _open.Add(outbound);
        }

        try
        {
            await outbound.ConnectAsync(_target);
            var inStream = inbound.GetStream();
            var outStream = outbound.GetStream();
            await Task.WhenAny(inStream.CopyToAsync(outStream), outStream.CopyToAsync(inStream));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Cut, or one side closed: both sides are closed below.
        }
        finally
        {
            inbound.Dispose();
            outbound.Dispose();
        }
    }
}
