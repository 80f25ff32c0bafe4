using ApprovalGateway.Agents;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Web.Auth;

/// <summary>Checks every approver and refuses a token that is also an agent key, so the two can never be confused.</summary>
internal sealed class ApproverOptionsValidator(IOptions<AgentOptions> agents) : IValidateOptions<ApproverOptions>
{
    public ValidateOptionsResult Validate(string? name, ApproverOptions options)
    {
        var errors = new List<string>();
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        var slackUsers = new Dictionary<string, string>(StringComparer.Ordinal);
        var agentKeys = agents.Value.Agents
            .Where(a => !string.IsNullOrEmpty(a.Value.ApiKey))
            .GroupBy(a => a.Value.ApiKey!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Key, StringComparer.Ordinal);
        foreach (var (approver, settings) in options.Approvers)
        {
            var prefix = $"{ApproverOptions.Section}:{approver}";
            CheckPassword(prefix, settings.PasswordHash, errors);
            CheckToken(prefix, settings.Token, tokens, agentKeys, errors);
            if (!string.IsNullOrWhiteSpace(settings.SlackUserId))
            {
                if (slackUsers.TryGetValue(settings.SlackUserId, out var other))
                {
                    errors.Add($"{prefix}:SlackUserId is also {ApproverOptions.Section}:{other}:SlackUserId; one Slack user is one approver.");
                }
                else
                {
                    slackUsers[settings.SlackUserId] = approver;
                }
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckPassword(string prefix, string? passwordHash, List<string> errors)
    {
        if (passwordHash is null)
        {
            return;
        }

        if (!PasswordHasher.TryParse(passwordHash, out var iterations, out _, out _))
        {
            errors.Add($"{prefix}:PasswordHash is not in the form {PasswordHasher.Prefix}$iterations$salt-base64$hash-base64; create one with 'approval-gateway hash-password'.");
        }
        else if (iterations < PasswordHasher.MinimumIterations)
        {
            errors.Add($"{prefix}:PasswordHash uses {iterations} iterations; use at least {PasswordHasher.MinimumIterations} ('approval-gateway hash-password' uses {PasswordHasher.DefaultIterations}).");
        }
    }

    private static void CheckToken(
        string prefix, string? token, Dictionary<string, string> tokens, Dictionary<string, string> agentKeys, List<string> errors)
    {
        if (token is null)
        {
            return;
        }

        if (token.Length < ApproverOptions.MinimumTokenLength)
        {
            errors.Add($"{prefix}:Token is {token.Length} characters; use at least {ApproverOptions.MinimumTokenLength} random characters, or remove it.");
            return;
        }

        if (tokens.TryGetValue(token, out var other))
        {
            errors.Add($"{prefix}:Token is the same as {other}:Token; each approver needs their own token.");
        }
        else
        {
            tokens[token] = prefix;
        }

        if (agentKeys.TryGetValue(token, out var agent))
        {
            errors.Add($"{prefix}:Token is also {AgentOptions.Section}:Agents:{agent}:ApiKey; an agent key must never work as an approver token.");
        }
    }
}
