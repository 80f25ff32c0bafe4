using Microsoft.Extensions.Options;

namespace ApprovalGateway.Hosting;

/// <summary>Checks every upstream at startup and reports all problems at once, each naming its setting.</summary>
internal sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    private static readonly string[] Transports = ["auto", "streamable-http", "sse"];

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        var errors = new List<string>();
        if (options.SessionIdleTimeout < TimeSpan.FromSeconds(1))
        {
            // The SDK would close every session the moment it went quiet: each agent's next request would find it gone.
            errors.Add($"Gateway:SessionIdleTimeout must be at least 00:00:01, not {options.SessionIdleTimeout}.");
        }

        if (options.EventStreamKeepalive != TimeSpan.Zero && options.EventStreamKeepalive < TimeSpan.FromSeconds(1))
        {
            errors.Add($"Gateway:EventStreamKeepalive must be 00:00:00 (off) or at least 00:00:01, not {options.EventStreamKeepalive}.");
        }

        if (!options.EnabledUpstreams.Any())
        {
            errors.Add("Gateway:Upstreams: no enabled upstream is configured; add one under Gateway:Upstreams:{name} with a Command or a Url.");
        }

        foreach (var (upstream, o) in options.EnabledUpstreams)
        {
            var key = $"Gateway:Upstreams:{upstream}";
            var hasCommand = !string.IsNullOrWhiteSpace(o.Command);
            if (hasCommand == (o.Url is not null))
            {
                errors.Add($"{key}: set exactly one of Command (stdio) or Url (Streamable HTTP/SSE).");
            }

            if (o.SpareProcess && o.Url is not null)
            {
                errors.Add($"{key}:SpareProcess applies to stdio upstreams (a Command) only; an HTTP upstream has no process to start.");
            }

            if (o.Url is { IsAbsoluteUri: false } || o.Url is { Scheme: not ("http" or "https") })
            {
                errors.Add($"{key}:Url must be an absolute http(s) URL, not '{o.Url}'.");
            }

            if (!Transports.Contains(o.Transport, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add($"{key}:Transport must be one of {string.Join(", ", Transports)}, not '{o.Transport}'.");
            }

            if (o.ConnectTimeout <= TimeSpan.Zero)
            {
                errors.Add($"{key}:ConnectTimeout must be positive.");
            }

            if (o.RequestTimeout <= TimeSpan.Zero)
            {
                errors.Add($"{key}:RequestTimeout must be positive.");
            }

            if (o.MaxResponseBytes < 64 * 1024)
            {
                errors.Add($"{key}:MaxResponseBytes must be at least 65536 (was {o.MaxResponseBytes}).");
            }

            if (o.PingInterval < TimeSpan.Zero)
            {
                errors.Add($"{key}:PingInterval must not be negative (00:00:00 turns pings off), not {o.PingInterval}.");
            }

            if (o.PingTimeout <= TimeSpan.Zero)
            {
                errors.Add($"{key}:PingTimeout must be positive, not {o.PingTimeout}.");
            }

            if (o.MaxRequestDuration < o.RequestTimeout)
            {
                errors.Add($"{key}:MaxRequestDuration ({o.MaxRequestDuration}) must be at least RequestTimeout ({o.RequestTimeout}).");
            }
        }

        foreach (var origin in options.AllowedOrigins)
        {
            if (BrowserOrigins.Normalize(origin) is null)
            {
                errors.Add($"Gateway:AllowedOrigins: '{origin}' is not an origin; write it as a browser sends it, e.g. https://inspector.example.com or http://localhost:6274.");
            }
        }

        if (!options.McpPath.StartsWith('/'))
        {
            errors.Add($"Gateway:McpPath must start with '/', not '{options.McpPath}'.");
        }

        if (options.MaxRequestBodyBytes < 1024)
        {
            errors.Add("Gateway:MaxRequestBodyBytes must be at least 1024.");
        }

        if (options.MaxSessions < 1 || options.MaxSessionsPerAgent < 1)
        {
            errors.Add($"Gateway:MaxSessions and Gateway:MaxSessionsPerAgent must be at least 1 (were {options.MaxSessions} and {options.MaxSessionsPerAgent}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
