using System.Globalization;
using ApprovalGateway.Hosting;
using ApprovalGateway.Policy;
using ApprovalGateway.Policy.Text;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.ScaleOut;

/// <summary>
/// Whether the live instances on this storage have the same policy in force. Instances behind one load balancer must
/// decide a call alike whichever of them gets it, and each reads its own policy file: one left out of an edit (or still
/// on the old file in a rolling deploy) would allow what the others hold. On every sweep each instance stores what it
/// has in force and compares it with the others'. A difference is shown under warnings in <c>/api/health</c> and
/// <c>/api/policy</c> (the page's policy panel) and logged (event 8040, and 8041 once they agree), but does not degrade
/// <c>/healthz</c>: a load balancer taking every instance out in the middle of a rolling edit would serve nobody.
/// </summary>
internal sealed class PolicyAgreement(
    JobStorage storage,
    HeldApprovals held,
    PolicyStore policy,
    TimeProvider time,
    IOptions<ScaleOutOptions> options,
    ILogger<PolicyAgreement> logger) : IHealthSignal, IPolicyWarnings
{
    private const string InstancesSet = "scaleout:policies";
    private const string RulesField = "rules";
    private const string FileField = "file_sha256";
    private const string LoadedField = "loaded";
    private const string NameField = "name";
    private const string AtField = "at";

    // Every process start is a new instance; the entries of instances long gone expire instead of piling up.
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    private string? _problem;

    public string? Problem => Volatile.Read(ref _problem);

    public bool Degrades => false;

    public string? Warning => Problem;

    /// <summary>Stores this instance's policy and compares it with those of the other live instances.</summary>
    public void Check()
    {
        var mine = policy.Fingerprint;
        var now = time.GetUtcNow();
        using var connection = storage.GetConnection();
        using (var transaction = (JobStorageTransaction)connection.CreateWriteTransaction())
        {
            var key = Key(held.Instance);
            transaction.SetRangeInHash(key, [
                new(RulesField, mine.Rules),
                new(FileField, mine.FileSha256),
                new(LoadedField, Milliseconds(mine.LoadedAt)),
                new(NameField, held.Name),
                new(AtField, Milliseconds(now))]);
            transaction.ExpireHash(key, Retention);
            transaction.AddToSet(InstancesSet, held.Instance);
            transaction.Commit();
        }

        List<string> differ = [];
        List<string> gone = [];
        foreach (var instance in connection.GetAllItemsFromSet(InstancesSet).Where(i => i != held.Instance))
        {
            var entry = connection.GetAllEntriesFromHash(Key(instance));
            if (entry is null)
            {
                gone.Add(instance);
            }
            else if (Time(entry, AtField) is { } at && now - at < options.Value.InstanceTimeout
                && entry.GetValueOrDefault(RulesField) is { } rules && rules != mine.Rules)
            {
                differ.Add($"{entry.GetValueOrDefault(NameField)} (id {ShortText.Cut(instance, 8)}) has {Describe(entry.GetValueOrDefault(FileField), Time(entry, LoadedField))}");
            }
        }

        if (gone.Count > 0)
        {
            using var transaction = connection.CreateWriteTransaction();
            gone.ForEach(instance => transaction.RemoveFromSet(InstancesSet, instance));
            transaction.Commit();
        }

        differ.Sort(StringComparer.Ordinal);
        var problem = differ.Count == 0
            ? null
            : $"Gateway instances have different policies in force: this one ({held.Name}) has {policy.SourcePath} with {Describe(mine.FileSha256, mine.LoadedAt)}, " +
              $"while {string.Join("; ", differ)}. A call may be allowed on one instance and held or denied on another, " +
              "whichever the load balancer sends it to: give every instance the same policy file.";
        var before = Interlocked.Exchange(ref _problem, problem);
        if (problem is not null && problem != before)
        {
            Log.PoliciesDiffer(logger, problem);
        }
        else if (problem is null && before is not null)
        {
            Log.PoliciesAgree(logger);
        }
    }

    /// <summary>
    /// Takes this instance out of the others' comparisons as it stops: in a rolling deploy the stopped instance's
    /// policy would otherwise count against the new one until <see cref="ScaleOutOptions.InstanceTimeout"/> passed.
    /// </summary>
    public void Leave()
    {
        using var connection = storage.GetConnection();
        using var transaction = (JobStorageTransaction)connection.CreateWriteTransaction();
        transaction.RemoveFromSet(InstancesSet, held.Instance);
        transaction.RemoveHash(Key(held.Instance));
        transaction.Commit();
    }

    private static string Key(string instance) => $"scaleout:policy:{instance}";

    private static string Milliseconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset? Time(Dictionary<string, string> entry, string field) =>
        entry.TryGetValue(field, out var text) && long.TryParse(text, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    private static string Describe(string? fileSha256, DateTimeOffset? loadedAt) =>
        $"SHA-256 {ShortText.Cut(fileSha256 ?? "unknown", 12)} (loaded {loadedAt:yyyy-MM-dd HH:mm:ss}Z)";
}
