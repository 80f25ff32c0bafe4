using System.Diagnostics;
using System.Globalization;

namespace ApprovalGateway.Testing;

/// <summary>
/// A throw-away nginx from Debian's package on a free loopback port, passing everything to one address as a reverse
/// proxy in front of the gateway commonly does (HTTP/1.1 upstream, no buffering), with its own idle timeout.
/// </summary>
public sealed class NginxProxy : IAsyncDisposable
{
    private const string Binary = "/usr/sbin/nginx";

    private readonly ChildProcess _process;
    private readonly DirectoryInfo _prefix;

    private NginxProxy(ChildProcess process, DirectoryInfo prefix, int port)
    {
        _process = process;
        _prefix = prefix;
        BaseAddress = new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/"));
    }

    /// <summary>Why nginx cannot run here, with the command that installs it; null when it is installed.</summary>
    public static string? Unavailable => File.Exists(Binary) ? null : "nginx is not installed (no /usr/sbin/nginx; `apt-get install -y nginx-light`)";

    public Uri BaseAddress { get; }

    /// <summary>
    /// Starts nginx in front of <paramref name="upstream"/>; it closes a response whose upstream sent nothing for
    /// <paramref name="readTimeout"/> (<c>proxy_read_timeout</c>, 60 s by default).
    /// </summary>
    public static async Task<NginxProxy> StartAsync(Uri upstream, TimeSpan readTimeout)
    {
        if (Unavailable is { } missing)
        {
            throw new InvalidOperationException(missing);
        }

        var prefix = Directory.CreateTempSubdirectory("nginx-");
        var port = LoopbackPort.Free();
        var temp = (string name) => Path.Combine(prefix.FullName, name);

        // One process, in the foreground, logging to stderr: nothing outlives the test or needs root.
        await File.WriteAllTextAsync(temp("nginx.conf"), string.Create(CultureInfo.InvariantCulture, $$"""
            daemon off;
            master_process off;
            pid {{temp("nginx.pid")}};
            error_log stderr notice;
            events { worker_connections 256; }
            http {
              access_log off;
              client_body_temp_path {{temp("body")}};
              proxy_temp_path {{temp("proxy")}};
              fastcgi_temp_path {{temp("fastcgi")}};
              uwsgi_temp_path {{temp("uwsgi")}};
              scgi_temp_path {{temp("scgi")}};
              server {
                listen 127.0.0.1:{{port}};
                location / {
                  proxy_pass {{upstream.GetLeftPart(UriPartial.Authority)}};
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_buffering off;
                  proxy_read_timeout {{(int)readTimeout.TotalMilliseconds}}ms;
                }
              }
            }
            """));

        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = ChildProcess.Start(
            new ProcessStartInfo(Binary) { ArgumentList = { "-p", prefix.FullName, "-c", temp("nginx.conf"), "-e", "stderr" } },
            line =>
            {
                // nginx reports the system's limits after it has bound its sockets, as the last line of its start.
                if (line.Contains("getrlimit(RLIMIT_NOFILE)", StringComparison.Ordinal))
                {
                    ready.TrySetResult(true);
                }
            });
        try
        {
            await process.WaitReadyAsync(ready.Task.WaitAsync, TimeSpan.FromSeconds(30), $"nginx on port {port}");
        }
        catch
        {
            prefix.Delete(recursive: true);
            throw;
        }

        return new NginxProxy(process, prefix, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        _prefix.Delete(recursive: true);
    }
}
