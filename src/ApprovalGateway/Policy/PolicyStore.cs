using System.Threading.Channels;
using ApprovalGateway.Hosting;
using ApprovalGateway.Metrics;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Policy.Model;
using ApprovalGateway.Policy.Parsing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace ApprovalGateway.Policy;

/// <summary>
/// Holds the policy in force. Loads it at construction (throwing <see cref="PolicyLoadException"/> when invalid),
/// then watches the file and reloads shortly after each change. A bad edit is logged and recorded in
/// <see cref="LastError"/> while the last good policy stays; every reload attempt fires the reload token.
/// </summary>
/// <remarks>
/// File events do not cover every way a file changes: a Kubernetes ConfigMap swaps a <c>..data</c> symlink beside
/// the file, so no event ever names it, and some bind mounts and network file systems raise none at all. A poll
/// reads the file every <see cref="PolicyOptions.PollInterval"/> and reloads when its bytes differ from those last
/// read (their SHA-256), so those edits apply too. File events go through the same comparison, so an unchanged file
/// (touched, or an event that arrives late) is never reloaded, or its error logged, again. Bytes, not the decoded text:
/// an edit that only adds or drops a byte order mark (or saves the same text as UTF-16) leaves the text as it was but
/// changes the hash, and the audit log must name the hash of the file in force, so that edit is applied and recorded
/// too. The same goes for a file that stays unreadable in another way (another byte that is not UTF-8).
/// Each load or rejection of bytes other than those last read is also put in <see cref="Changes"/> for the audit log;
/// the same bytes read again (a forced <see cref="Reload"/>, an editor saving without changes) are not.
/// </remarks>
internal sealed class PolicyStore : IHealthSignal, IDisposable
{
    private readonly ILogger<PolicyStore> _logger;
    private readonly TimeProvider _time;
    private readonly PolicyReferenceCheck? _references;
    private readonly GatewayMetrics? _metrics;
    private readonly FileSystemWatcher? _watcher;
    private readonly ITimer _debounce;
    private readonly ITimer? _poll;
    private readonly TimeSpan _debounceDelay;
    private readonly Lock _reloadLock = new();
    private CancellationTokenSource _reloadSignal = new();
    private volatile CompiledPolicy _current;
    private string? _lastRead;
    private string? _lastRecorded;
    private string _inForceText;
    private string _inForceSha256;
    private PolicyFingerprint _fingerprint;
    private readonly Channel<PolicyChange> _changes = Channel.CreateUnbounded<PolicyChange>(new UnboundedChannelOptions { SingleReader = true });
    private DateTimeOffset _rejectedSince;

    public PolicyStore(
        IOptions<PolicyOptions> options,
        IHostEnvironment environment,
        ILogger<PolicyStore> logger,
        TimeProvider time,
        PolicyReferenceCheck? references = null,
        GatewayMetrics? metrics = null)
    {
        _logger = logger;
        _time = time;
        _references = references;
        _metrics = metrics;
        _debounceDelay = options.Value.ReloadDebounce;
        SourcePath = System.IO.Path.GetFullPath(options.Value.Path, environment.ContentRootPath);
        var read = ReadText();
        var result = Parse(read);
        if (!result.IsValid)
        {
            throw new PolicyLoadException($"Invalid policy:{Environment.NewLine}{result.FormatErrors()}");
        }

        _lastRead = Key(read);
        _inForceText = read.Text!;
        _current = result.Policy;
        Document = result.Document;
        LoadedAt = time.GetUtcNow();
        _inForceSha256 = read.Sha256!;
        _fingerprint = PolicyFingerprint.Of(_inForceText, _inForceSha256, LoadedAt);
        Record(read, result, atStartup: true);
        LogLoaded(logger, result);
        Warnings = CheckReferences(result);
        metrics?.PolicyLoaded(SourcePath, rejected: false);
        _debounce = time.CreateTimer(_ => ReloadIfChanged(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var directory = System.IO.Path.GetDirectoryName(SourcePath)!;
        _watcher = new FileSystemWatcher(directory, System.IO.Path.GetFileName(SourcePath))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        _watcher.Changed += OnFileEvent;
        _watcher.Created += OnFileEvent;
        _watcher.Renamed += OnFileEvent;
        // A deleted policy keeps serving, but the next restart would stop on it: say so now, not a poll later.
        _watcher.Deleted += OnFileEvent;
        _watcher.Error += (_, e) => Log.WatcherFailed(_logger, SourcePath, e.GetException());
        _watcher.EnableRaisingEvents = true;
        if (options.Value.PollInterval > TimeSpan.Zero)
        {
            _poll = time.CreateTimer(_ => ReloadIfChanged(), null, options.Value.PollInterval, options.Value.PollInterval);
        }
    }

    public CompiledPolicy Current => _current;

    /// <summary>The policy in force as the file says it, for checks against what the upstreams serve.</summary>
    public PolicyDocument Document { get; private set; } = null!;

    public string SourcePath { get; }

    /// <summary>The policy in force as other instances compare it with theirs (see <see cref="ScaleOut.PolicyAgreement"/>).</summary>
    public PolicyFingerprint Fingerprint => Volatile.Read(ref _fingerprint);

    public DateTimeOffset LoadedAt { get; private set; }

    /// <summary>The errors of the last rejected reload as <c>file:line: message</c> lines; null after a good load.</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// A rejected edit, for <c>/api/health</c>: not one that degrades the instance, which serves on the last good
    /// policy, but one an approver must fix before the next restart, which would stop on it.
    /// </summary>
    public string? Problem
    {
        get
        {
            lock (_reloadLock)
            {
                // One sentence: an error that ends in a full stop (as the JSON reader's do) would read ".;" before the next.
                return LastError is { } error
                    ? $"Policy reload rejected since {_rejectedSince:yyyy-MM-dd HH:mm:ss}Z: {string.Join("; ", error.Split('\n').Select(l => l.TrimEnd('\r', '.')))}; the last good policy " +
                      $"(loaded {LoadedAt:yyyy-MM-dd HH:mm:ss}Z) is in force; the gateway will not start with this file."
                    : null;
            }
        }
    }

    public bool Degrades => false;

    /// <summary>
    /// What the policy in force names that this gateway does not have (see <see cref="PolicyReferenceCheck"/>), after
    /// the settings in it that can never do anything (<see cref="PolicyParseResult.Warnings"/>, with their line).
    /// </summary>
    public IReadOnlyList<string> Warnings { get; private set; } = [];

    /// <summary>Fires after every reload attempt, good or bad; take a new token after it fires.</summary>
    public IChangeToken GetReloadToken() => new CancellationChangeToken(_reloadSignal.Token);

    /// <summary>
    /// Each policy applied (the first at construction) or edit rejected, in order, once per change of the file's bytes;
    /// read by <see cref="PolicyChangeAudit"/>, never on a call's path.
    /// </summary>
    public ChannelReader<PolicyChange> Changes => _changes.Reader;

    /// <summary>Reads the file again now; false when it was rejected and the previous policy was kept.</summary>
    public bool Reload() => Apply(ReadText());

    private bool Apply((string? Text, string? Error, string? Sha256) read)
    {
        bool ok;
        CancellationTokenSource previous;
        lock (_reloadLock)
        {
            var result = Parse(read);
            _lastRead = Key(read);
            ok = result.IsValid;
            var sameText = ok
                && string.Equals(read.Text, _inForceText, StringComparison.Ordinal)
                && !string.Equals(read.Sha256, _inForceSha256, StringComparison.Ordinal);
            if (result.IsValid)
            {
                _current = result.Policy;
                Document = result.Document;
                LoadedAt = _time.GetUtcNow();
                LastError = null;
                _inForceSha256 = read.Sha256!;
                _inForceText = read.Text!;
                _fingerprint = PolicyFingerprint.Of(_inForceText, _inForceSha256, LoadedAt);
                LogLoaded(_logger, result);
                Warnings = CheckReferences(result);
            }
            else
            {
                if (LastError is null)
                {
                    _rejectedSince = _time.GetUtcNow();
                }

                LastError = result.FormatErrors();
                Log.PolicyReloadRejected(_logger, LastError);
            }

            Record(read, result, atStartup: false, sameText);

            _metrics?.PolicyLoaded(SourcePath, rejected: !ok);

            previous = _reloadSignal;
            _reloadSignal = new CancellationTokenSource();
        }

        previous.Cancel();
        previous.Dispose();
        return ok;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _poll?.Dispose();
        _debounce.Dispose();
        _reloadSignal.Dispose();
        _changes.Writer.TryComplete();
    }

    /// <summary>What tells one read of the file from another: the SHA-256 of its bytes, or why there were none.</summary>
    private static string Key((string? Text, string? Error, string? Sha256) read) => read.Sha256 ?? $"unreadable: {read.Error}";

    /// <summary>Queues the change for the audit log unless these are the bytes (or the read error) last queued.</summary>
    /// <param name="sameText">
    /// Applied bytes other than those in force whose text is the same (a byte order mark added, say): the record says
    /// why a policy with the same rules was applied again.
    /// </param>
    private void Record((string? Text, string? Error, string? Sha256) read, PolicyParseResult result, bool atStartup, bool sameText = false)
    {
        var key = Key(read);
        if (string.Equals(key, _lastRecorded, StringComparison.Ordinal))
        {
            return;
        }

        _lastRecorded = key;
        var detail = !result.IsValid ? FirstError(result.Errors)
            : sameText ? $"{result.Policy.Summary} (the same text as the policy it replaces: only bytes the reader skips, such as a byte order mark, changed)"
            : result.Policy.Summary;
        _changes.Writer.TryWrite(new PolicyChange(_time.GetUtcNow(), SourcePath, result.IsValid, atStartup, read.Sha256, detail, _inForceSha256));
    }

    private static string FirstError(IReadOnlyList<PolicyError> errors)
    {
        var first = errors[0];
        var at = (first.Line, first.Column) switch
        {
            ( <= 0, _) => "",
            (var line, <= 0) => $"line {line}: ",
            var (line, column) => $"line {line}, column {column}: ",
        };
        return at + first.Message + (errors.Count > 1 ? $" (and {errors.Count - 1} more {(errors.Count == 2 ? "error" : "errors")})" : "");
    }

    private void ReloadIfChanged()
    {
        var read = ReadText();
        bool changed;
        lock (_reloadLock)
        {
            changed = !string.Equals(Key(read), _lastRead, StringComparison.Ordinal);
        }

        if (changed)
        {
            Apply(read);
        }
    }

    private IReadOnlyList<string> CheckReferences(PolicyParseResult result)
    {
        // One form for both kinds, as the parser's own warnings have always been shown: "line N: message".
        List<string> warnings = [.. result.Warnings.Concat(_references?.Find(result) ?? []).Select(Format)];
        foreach (var warning in warnings)
        {
            Log.PolicyNamesSomethingUnknown(_logger, SourcePath, warning);
        }

        return warnings;
    }

    private static string Format(PolicyError warning) => warning.Line > 0 ? $"line {warning.Line}: {warning.Message}" : warning.Message;

    private PolicyParseResult Parse((string? Text, string? Error, string? Sha256) read) =>
        read.Text is { } text ? PolicyParser.Parse(text, SourcePath) : PolicyParser.Unreadable(SourcePath, read.Error!);

    /// <summary>With the rules the file states and its default as the file spells it, as <c>validate</c> says them.</summary>
    private void LogLoaded(ILogger logger, PolicyParseResult result)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            Log.PolicyLoaded(logger, SourcePath, result.Policy!.Summary);
        }
    }

    private (string? Text, string? Error, string? Sha256) ReadText() => PolicyParser.ReadFileWithSha256(SourcePath);

    private void OnFileEvent(object sender, FileSystemEventArgs e) => _debounce.Change(_debounceDelay, Timeout.InfiniteTimeSpan);
}
