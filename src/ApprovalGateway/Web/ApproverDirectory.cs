using System.Security.Cryptography;
using System.Text;
using ApprovalGateway.Approvals;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Web;

/// <summary>The configured approvers, with the credential checks the sign-in page and the token scheme need.</summary>
internal sealed class ApproverDirectory : IApproverDirectory
{
    private readonly Dictionary<string, (ApproverIdentity Identity, string? PasswordHash)> byName;
    private readonly Dictionary<string, ApproverIdentity> bySlackUserId;
    private readonly (byte[] TokenHash, ApproverIdentity Identity)[] tokens;

    public ApproverDirectory(IOptions<ApproverOptions> options)
    {
        var approvers = options.Value.Approvers;
        byName = approvers.ToDictionary(
            a => a.Key,
            a => (new ApproverIdentity(a.Key, Blank(a.Value.SlackUserId)), Blank(a.Value.PasswordHash)),
            StringComparer.OrdinalIgnoreCase);
        bySlackUserId = byName.Values
            .Where(a => a.Identity.SlackUserId is not null)
            .ToDictionary(a => a.Identity.SlackUserId!, a => a.Identity, StringComparer.Ordinal);
        tokens = [.. approvers
            .Where(a => !string.IsNullOrEmpty(a.Value.Token))
            .Select(a => (Digest(a.Value.Token!), byName[a.Key].Identity))];
    }

    public bool HasApprovers => byName.Count > 0;

    public int Count => byName.Count;

    public ApproverIdentity? FindByName(string name) => byName.TryGetValue(name, out var entry) ? entry.Identity : null;

    public ApproverIdentity? FindBySlackUserId(string slackUserId) => bySlackUserId.GetValueOrDefault(slackUserId);

    /// <summary>The approver when the password matches; an unknown name costs the same work as a wrong password.</summary>
    public ApproverIdentity? VerifyPassword(string name, string password)
    {
        if (!byName.TryGetValue(name, out var entry) || entry.PasswordHash is null)
        {
            PasswordHasher.Waste(password);
            return null;
        }

        return PasswordHasher.Verify(password, entry.PasswordHash) ? entry.Identity : null;
    }

    /// <summary>The approver whose script token this is, comparing digests in constant time.</summary>
    public ApproverIdentity? FindByToken(string token)
    {
        var candidate = Digest(token);
        ApproverIdentity? match = null;
        foreach (var (tokenHash, identity) in tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(candidate, tokenHash))
            {
                match = identity;
            }
        }

        return match;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static byte[] Digest(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
