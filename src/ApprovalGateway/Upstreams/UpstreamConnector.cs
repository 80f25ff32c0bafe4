using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Hosting;
using System.Diagnostics;
using System.Text;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Upstreams;

/// <summary>Opens one MCP client session to an upstream, over stdio or HTTP, as its options say.</summary>
internal sealed partial class UpstreamConnector(ILoggerFactory loggerFactory, IHostApplicationLifetime lifetime, StdioSpareProcesses spareProcesses)
{
    /// <summary>The newest protocol version that every upstream we met speaks through <c>initialize</c>.</summary>
    public const string DefaultProtocolVersion = "2025-11-25";

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// Fires when the gateway begins to stop. Upstreams may end first (Ctrl+C reaches stdio servers in the same
    /// process group), and a link must then neither call that a failure nor start them again.
    /// </summary>
    public CancellationToken GatewayStopping => lifetime.ApplicationStopping;

    private static readonly string[] PassThroughVariables = ["PATH", "HOME", "LANG", "TMPDIR", "DOTNET_ROOT"];

    private readonly ILogger _logger = loggerFactory.CreateLogger("ApprovalGateway.Upstreams");

    private readonly SdkConnectLogFilter _sdkLoggers = new(loggerFactory);

    /// <summary>
    /// The version an upstream answered when asked one it does not speak, by the version asked: later sessions ask
    /// that one at once instead of being refused first.
    /// </summary>
    private readonly ConcurrentDictionary<(string Upstream, string Asked), string> _answered = new();

    /// <summary>
    /// A new client session. With a <paramref name="clientRole"/>, the gateway answers the upstream's requests to its
    /// client itself (see <see cref="UpstreamClientRole"/>), whatever handlers <paramref name="clientOptions"/> name.
    /// </summary>
    /// <remarks>
    /// An upstream that does not speak the version asked answers another (an older one), and MCP has the client go on
    /// in that one when it speaks it too. The SDK instead refuses any answer but the version its options name, and the
    /// gateway names one (or the SDK would probe with <c>server/discover</c> first), so such an upstream is asked again
    /// in the version it answered. <paramref name="clientOptions"/> then names that version.
    /// </remarks>
    public async Task<McpClient> ConnectAsync(
        string name, UpstreamOptions options, McpClientOptions clientOptions, UpstreamClientRole? clientRole, CancellationToken cancellationToken)
    {
        var asked = clientOptions.ProtocolVersion;
        if (asked is not null && _answered.TryGetValue((name, asked), out var known))
        {
            clientOptions.ProtocolVersion = known;
        }

        try
        {
            return await ConnectOnceAsync(name, options, clientOptions, clientRole, cancellationToken);
        }
        catch (UpstreamUnavailableException ex) when (asked is not null
            && clientOptions.ProtocolVersion is { } refused && VersionAnsweredInstead(ex.InnerException, refused) is { } answered)
        {
            Log.OtherProtocolVersionAnswered(_logger, name, refused, answered);
            _answered[(name, asked)] = answered;
            clientOptions.ProtocolVersion = answered;
            return await ConnectOnceAsync(name, options, clientOptions, clientRole, cancellationToken);
        }
    }

    /// <summary>The version the upstream answered instead of <paramref name="asked"/>, when the gateway speaks it too.</summary>
    private static string? VersionAnsweredInstead(Exception? refusal, string asked) =>
        refusal is McpException { Message: var message } && VersionMismatch().Match(message) is { Success: true } match
            && match.Groups["answered"].Value is var answered && answered != asked && InitializeVersions.Contains(answered)
            ? answered
            : null;

    // The SDK's words for an answer in another version than the one its options name.
    [GeneratedRegex(@"^Server protocol version mismatch\. Expected \S+, got (?<answered>\S+)$")]
    private static partial Regex VersionMismatch();

    private async Task<McpClient> ConnectOnceAsync(
        string name, UpstreamOptions options, McpClientOptions clientOptions, UpstreamClientRole? clientRole, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var origins = clientRole is not null && !options.IsStdio ? new ServerRequestOrigins() : null;
        var transport = CreateTransport(name, options, origins);
        if (clientRole is not null)
        {
            transport = new ClientRoleTransport(transport, clientRole, origins, _logger);
        }

        try
        {
            return await McpClient.CreateAsync(transport, clientOptions, _sdkLoggers, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamUnavailableException(name, $"Upstream '{name}' did not complete the MCP handshake within {options.ConnectTimeout.TotalSeconds:0} s.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not UpstreamUnavailableException)
        {
            throw new UpstreamUnavailableException(name, $"Upstream '{name}' could not be reached: {ex.Message}", ex);
        }
    }

    private IClientTransport CreateTransport(string name, UpstreamOptions options, ServerRequestOrigins? origins)
    {
        if (options.IsStdio)
        {
            return new StdioUpstreamTransport(name, CreateStartInfo(options), options.MaxResponseBytes, spareProcesses, options.SpareProcess, _logger);
        }

        var watch = new HttpSessionWatch(new ResponseSizeLimitHandler(name, options.MaxResponseBytes), TimeProvider.System, options.ConnectTimeout);
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions
            {
                Name = name,
                Endpoint = options.Url!,
                TransportMode = options.Transport.ToLowerInvariant() switch
                {
                    "streamable-http" => HttpTransportMode.StreamableHttp,
                    "sse" => HttpTransportMode.Sse,
                    _ => HttpTransportMode.AutoDetect,
                },
                AdditionalHeaders = options.Headers,
                ConnectionTimeout = options.ConnectTimeout,
            },
            new HttpClient(origins is null ? watch : new ServerRequestOriginHandler(origins, watch)) { Timeout = AnswerBackstop(options) },
            _sdkLoggers,
            ownsHttpClient: true);
        return new WatchedHttpTransport(transport, watch);
    }

    /// <summary>
    /// How long one HTTP exchange may wait for its answer to begin. The gateway's own clocks bound what it waits for
    /// (<see cref="UpstreamOptions.RequestTimeout"/> each answer, with words that name the setting; ConnectTimeout the
    /// handshake), so this only stops what has no clock of the gateway's (notifications, answers to the upstream's own
    /// requests) from waiting on a hung server for ever: a little past RequestTimeout, for the gateway's clock to come
    /// first. HttpClient's default of 100 s came first instead, and cut off a tool's answer sent as JSON (which begins
    /// only once the tool is done) after 100 s, in HttpClient's words, however long RequestTimeout allowed.
    /// </summary>
    private static TimeSpan AnswerBackstop(UpstreamOptions options)
    {
        var margin = TimeSpan.FromSeconds(10);
        var longest = TimeSpan.FromMilliseconds(int.MaxValue) - margin;
        return options.RequestTimeout < longest ? options.RequestTimeout + margin : Timeout.InfiniteTimeSpan;
    }

    private static ProcessStartInfo CreateStartInfo(UpstreamOptions options)
    {
        var (command, arguments) = (ExpandAppBase(options.Command!), options.Args.Select(ExpandAppBase).ToList());
        if (OperatingSystem.IsWindows() && !string.Equals(Path.GetFileName(command), "cmd.exe", StringComparison.OrdinalIgnoreCase))
        {
            // npx, uvx and the like are scripts on Windows, which only a shell starts.
            (command, arguments) = ("cmd.exe", ["/c", command, .. arguments]);
        }

        var start = new ProcessStartInfo
        {
            FileName = command,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = options.WorkingDirectory is null ? Environment.CurrentDirectory : ExpandAppBase(options.WorkingDirectory),
            StandardInputEncoding = Utf8NoBom,
            StandardOutputEncoding = Utf8NoBom,
            StandardErrorEncoding = Utf8NoBom,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var variable in PassThroughVariables)
        {
            if (Environment.GetEnvironmentVariable(variable) is { } value)
            {
                start.Environment[variable] = value;
            }
        }

        foreach (var (key, value) in options.Env)
        {
            start.Environment[key] = value;
        }

        return start;
    }

    /// <summary>
    /// <c>{app}</c> stands for the gateway's own folder, so the shipped configuration can start the bundled demo
    /// exchange wherever the gateway was built.
    /// </summary>
    internal static string ExpandAppBase(string value) =>
        value.Replace("{app}", AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);

    /// <summary>The protocol versions the SDK speaks through <c>initialize</c>, on both of the gateway's sides.</summary>
    public static readonly FrozenSet<string> InitializeVersions = FrozenSet.Create(StringComparer.Ordinal, "2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25");

    /// <summary>The downstream client's protocol version when the SDK speaks it over initialize, else our default.</summary>
    public static string ChooseProtocolVersion(string? requested) =>
        requested is not null && InitializeVersions.Contains(requested) ? requested : DefaultProtocolVersion;

    public static McpClientOptions CreateClientOptions(Implementation clientInfo, string? protocolVersion) => new()
    {
        ClientInfo = clientInfo,
        ProtocolVersion = ChooseProtocolVersion(protocolVersion),
    };
}
