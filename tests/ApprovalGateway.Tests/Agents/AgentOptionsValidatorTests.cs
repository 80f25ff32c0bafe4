using ApprovalGateway.Agents;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Tests.Agents;

public sealed class AgentOptionsValidatorTests
{
    [Fact]
    public void Validate_NamesEachBadSetting_WhenKeysAreEmptyShortOrShared()
    {
        var options = new AgentOptions();
        options.Agents["empty"] = new AgentSettings { ApiKey = " " };
        options.Agents["short"] = new AgentSettings { ApiKey = "abc" };
        options.Agents["first"] = new AgentSettings { ApiKey = "shared-key-0123456789" };
        options.Agents["second"] = new AgentSettings { ApiKey = "shared-key-0123456789" };

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Gateway:Agents:empty:ApiKey is empty", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Agents:short:ApiKey is 3 characters; use at least 16", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Gateway:Agents:second:ApiKey is the same key as Gateway:Agents:first:ApiKey", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_Succeeds_WhenEveryAgentHasItsOwnLongKey()
    {
        var options = new AgentOptions();
        options.Agents["trader"] = new AgentSettings { ApiKey = "trader-key-0123456789", Owner = "alice" };

        Assert.Equal(ValidateOptionsResult.Success, new AgentOptionsValidator().Validate(null, options));
    }

    [Fact]
    public void StdioIdentity_UsesConfiguredAgentAndOwner_WhenStdioAgentIsConfigured()
    {
        var options = new AgentOptions { StdioAgent = "desktop" };
        options.Agents["desktop"] = new AgentSettings { ApiKey = "desktop-key-0123456789", Owner = "bob" };
        var directory = new AgentDirectory(Options.Create(options));

        Assert.Equal(new AgentIdentity("desktop", "bob"), directory.StdioIdentity());
        Assert.Equal(new AgentIdentity("stdio", null), new AgentDirectory(Options.Create(new AgentOptions())).StdioIdentity());
    }
}
