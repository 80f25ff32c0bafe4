using Microsoft.Extensions.Options;

namespace ApprovalGateway.Agents;

internal sealed class AgentOptionsValidator : IValidateOptions<AgentOptions>
{
    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var errors = new List<string>();
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (agent, settings) in options.Agents)
        {
            var setting = $"{AgentOptions.Section}:Agents:{agent}:ApiKey";
            if (string.IsNullOrWhiteSpace(settings.ApiKey))
            {
                errors.Add($"{setting} is empty; every configured agent needs a key.");
                continue;
            }

            if (settings.ApiKey.Length < AgentOptions.MinimumKeyLength)
            {
                errors.Add($"{setting} is {settings.ApiKey.Length} characters; use at least {AgentOptions.MinimumKeyLength} random characters.");
            }

            if (keys.TryGetValue(settings.ApiKey, out var other))
            {
                errors.Add($"{setting} is the same key as {AgentOptions.Section}:Agents:{other}:ApiKey; each agent needs its own key.");
            }
            else
            {
                keys[settings.ApiKey] = agent;
            }
        }

        if (string.IsNullOrWhiteSpace(options.StdioAgent))
        {
            errors.Add($"{AgentOptions.Section}:StdioAgent is empty; name the agent the stdio transport speaks for, or remove it to use 'stdio'.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
