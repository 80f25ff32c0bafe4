using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Agents;

/// <summary>The configured agents and their keys. Keys are kept only as SHA-256 digests and compared in constant time.</summary>
internal sealed class AgentDirectory
{
    private readonly Dictionary<string, AgentIdentity> byName;
    private readonly (byte[] KeyHash, AgentIdentity Agent)[] keys;
    private readonly string stdioAgent;

    public AgentDirectory(IOptions<AgentOptions> options)
    {
        var value = options.Value;
        byName = value.Agents.ToDictionary(
            a => a.Key,
            a => new AgentIdentity(a.Key, string.IsNullOrWhiteSpace(a.Value.Owner) ? null : a.Value.Owner),
            StringComparer.OrdinalIgnoreCase);
        keys = [.. value.Agents
            .Where(a => !string.IsNullOrEmpty(a.Value.ApiKey))
            .Select(a => (Digest(a.Value.ApiKey!), byName[a.Key]))];
        stdioAgent = value.StdioAgent;
    }

    /// <summary>False means every caller is <see cref="AgentIdentity.Anonymous"/>.</summary>
    public bool RequiresKeys => byName.Count > 0;

    public AgentIdentity? Find(string name) => byName.GetValueOrDefault(name);

    /// <summary>
    /// The agent whose key is <paramref name="bearer"/>, <see cref="AgentIdentity.Anonymous"/> when no agent is
    /// configured, or null when the key is missing or matches nobody.
    /// </summary>
    public AgentIdentity? Authenticate(string? bearer)
    {
        if (!RequiresKeys)
        {
            return AgentIdentity.Anonymous;
        }

        if (string.IsNullOrEmpty(bearer))
        {
            return null;
        }

        var candidate = Digest(bearer);
        AgentIdentity? match = null;
        // Every key is compared, so the time taken says nothing about which agent, if any, was close.
        foreach (var (keyHash, agent) in keys)
        {
            if (CryptographicOperations.FixedTimeEquals(candidate, keyHash))
            {
                match = agent;
            }
        }

        return match;
    }

    /// <summary>The identity of the stdio transport (<c>Gateway:StdioAgent</c>), with its owner when that agent is configured.</summary>
    public AgentIdentity StdioIdentity() => Find(stdioAgent) ?? new AgentIdentity(stdioAgent, null);

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
