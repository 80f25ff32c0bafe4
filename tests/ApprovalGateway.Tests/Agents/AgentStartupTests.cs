using ApprovalGateway.Agents;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Tests.Agents;

public sealed class AgentStartupTests
{
    [Fact]
    public async Task AnOwnerThatNamesNoApprover_IsLoggedWithTheApproverItProbablyMeant()
    {
        var agents = new AgentOptions();
        agents.Agents["bot1"] = new AgentSettings { ApiKey = "bot1-key-0123456789abcdef", Owner = "alcie" };
        agents.Agents["bot2"] = new AgentSettings { ApiKey = "bot2-key-0123456789abcdef", Owner = "U024BE7LH" };
        agents.Agents["bot3"] = new AgentSettings { ApiKey = "bot3-key-0123456789abcdef", Owner = "bob" };
        var approvers = new ApproverOptions();
        approvers.Approvers["alice"] = new ApproverSettings { SlackUserId = "U024BE7LH" };
        approvers.Approvers["bob"] = new ApproverSettings();
        var log = new WarningLog();

        await new AgentStartup(Options.Create(agents), Options.Create(approvers), log).StartAsync(CancellationToken.None);

        // Before, nothing: a misspelt owner silently let the real owner approve her own agent's calls.
        Assert.Equal(
            ["Gateway:Agents:bot1:Owner is 'alcie', which is no configured approver's name or Slack user id (did you mean alice?), so it keeps no approver from deciding this agent's calls"],
            log.Lines);
    }

    private sealed class WarningLog : ILogger<AgentStartup>
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                Lines.Add(formatter(state, exception));
            }
        }
    }
}
