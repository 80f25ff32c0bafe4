using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ApprovalGateway.Upstreams;
using ModelContextProtocol.Protocol;

namespace ApprovalGateway.Proxy;

/// <summary>
/// What one agent session was last listed, a digest per list: its tools as a whole (every upstream's, through the
/// policy), and each upstream's resources, resource templates and prompts. When what it would be listed now is another
/// (a session of its own opened where it was answered from the gateway's listing, or an upstream restarted) it is told to
/// list again, and of one change once: what it is told of counts as listed, and an upstream saying a list changed that
/// the gateway already told it of has nothing to add until it lists again.
/// </summary>
internal sealed class ListedDigests
{
    /// <summary>Stands for the upstream of the tool list, which is one list of every upstream's tools.</summary>
    public const string EveryUpstream = "";

    private readonly ConcurrentDictionary<(string Upstream, string Method), Listed> _listed = new();

    // Told of a list it has not listed: kept until it begins to, so that a burst of notices reaches it once.
    private static readonly Listed NeverListed = new(null, Told: true);

    /// <summary>
    /// A list as the agent was last listed it (<paramref name="Digest"/> null: never); <paramref name="Whole"/> false
    /// when it pages through the upstream's own pages and only the first is known; <paramref name="Told"/> when it was
    /// told to list again since, so it has nothing more to be told, nor to be compared, until it begins to.
    /// </summary>
    public sealed record Listed(string? Digest, bool Whole = true, bool Told = false);

    public static string DigestOf(IEnumerable<JsonNode?> items)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var item in items)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(item?.ToJsonString() ?? "null"));
            hash.AppendData("\n"u8);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>The list a list request answers, or a list_changed notification names (resources and templates share one).</summary>
    public static ListKinds KindOf(string method) => method switch
    {
        RequestMethods.ToolsList or NotificationMethods.ToolListChangedNotification => ListKinds.Tools,
        RequestMethods.ResourcesList or RequestMethods.ResourcesTemplatesList or NotificationMethods.ResourceListChangedNotification => ListKinds.Resources,
        RequestMethods.PromptsList or NotificationMethods.PromptListChangedNotification => ListKinds.Prompts,
        _ => ListKinds.None,
    };

    public Listed? Get(string upstream, string method) => _listed.GetValueOrDefault((upstream, method));

    /// <summary>
    /// The agent begins to list <paramref name="method"/>: it sees what changed before, so a change said from now on must
    /// reach it, even of a list the gateway told it of (and of its sibling: resources and templates share a notice, and
    /// one not passed on for a list the agent did not list again would be lost).
    /// </summary>
    public void Listing(string method) => Untell(KindOf(method));

    /// <summary>
    /// A notice of <paramref name="kind"/> went where the agent could not hear it (no stream open for what it is sent
    /// unasked): it was not told, so the next change said must reach it, as if it had begun to list.
    /// </summary>
    public void Unheard(ListKinds kind) => Untell(kind);

    private void Untell(ListKinds kind)
    {
        foreach (var (key, listed) in _listed)
        {
            if (KindOf(key.Method) == kind && listed.Told)
            {
                _ = listed.Digest is null
                    ? _listed.TryRemove(KeyValuePair.Create(key, listed))
                    : _listed.TryUpdate(key, listed with { Told = false }, listed);
            }
        }
    }

    public void Record(string upstream, string method, IEnumerable<JsonNode?> items, bool whole = true) =>
        _listed[(upstream, method)] = new Listed(DigestOf(items), whole);

    /// <summary>
    /// Whether the agent must be told to list again: <paramref name="now"/> is not what it was listed (<paramref name="was"/>).
    /// What it is told of counts as listed, so a second look that finds the same tells nothing, and of two looks at once
    /// only one tells.
    /// </summary>
    public bool Changed(string upstream, string method, Listed was, string now) =>
        now != was.Digest && _listed.TryUpdate((upstream, method), was with { Digest = now, Told = true }, was);

    /// <summary>
    /// The agent is to be told that <paramref name="upstream"/>'s <paramref name="lists"/> changed: the kinds it has not
    /// been told of since it last began to list them, which from now on count as told. A kind it was told of already (by
    /// the gateway, or by the first of a burst of an upstream's notices) is left out: telling it again would only repeat,
    /// and it would list again for nothing.
    /// </summary>
    public ListKinds Tell(string upstream, ListKinds lists)
    {
        var untold = ListKinds.None;
        foreach (var kind in (ReadOnlySpan<ListKinds>)[ListKinds.Tools, ListKinds.Resources, ListKinds.Prompts])
        {
            if (lists.HasFlag(kind) && !MarkTold(upstream, kind))
            {
                untold |= kind;
            }
        }

        return untold;
    }

    // Every list of the kind counts as told; false when one of them was already (resources and templates share a notice).
    private bool MarkTold(string upstream, ListKinds kind)
    {
        var already = false;
        foreach (var method in MethodsOf(kind))
        {
            var key = (kind == ListKinds.Tools ? EveryUpstream : upstream, method);
            while (true)
            {
                if (_listed.TryGetValue(key, out var listed))
                {
                    if (listed.Told)
                    {
                        already = true;
                        break;
                    }

                    if (_listed.TryUpdate(key, listed with { Told = true }, listed))
                    {
                        break;
                    }
                }
                else if (_listed.TryAdd(key, NeverListed))
                {
                    break;
                }
            }
        }

        return already;
    }

    private static string[] MethodsOf(ListKinds kind) => kind switch
    {
        ListKinds.Tools => [RequestMethods.ToolsList],
        ListKinds.Resources => [RequestMethods.ResourcesList, RequestMethods.ResourcesTemplatesList],
        _ => [RequestMethods.PromptsList],
    };
}
