using ApprovalGateway.Agents;
using ApprovalGateway.Cli;
using ApprovalGateway.Web;
using ApprovalGateway.Web.Auth;
using Microsoft.Extensions.Options;

namespace ApprovalGateway.Tests.Auth;

public sealed class ApproverOptionsValidatorTests
{
    [Fact]
    public void Validate_NamesEachBadSetting_WhenHashTokenOrSlackIdIsWrong()
    {
        var agents = new AgentOptions();
        agents.Agents["trader"] = new AgentSettings { ApiKey = "shared-secret-0123456789" };
        var options = new ApproverOptions();
        options.Approvers["alice"] = new ApproverSettings { PasswordHash = "sha1$abc", SlackUserId = "U1" };
        options.Approvers["bob"] = new ApproverSettings { PasswordHash = PasswordHasher.Hash("pw", iterations: 1000), Token = "short", SlackUserId = "U1" };
        options.Approvers["carol"] = new ApproverSettings { Token = "shared-secret-0123456789" };

        var result = new ApproverOptionsValidator(Options.Create(agents)).Validate(null, options);

        var failures = result.Failures!.ToList();
        Assert.Equal(5, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Approvers:alice:PasswordHash is not in the form pbkdf2-sha256$iterations$salt-base64$hash-base64", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Approvers:bob:PasswordHash uses 1000 iterations", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Approvers:bob:Token is 5 characters", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Approvers:bob:SlackUserId is also Approvers:alice:SlackUserId", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Approvers:carol:Token is also Gateway:Agents:trader:ApiKey", StringComparison.Ordinal));
    }

    [Fact]
    public void HashPassword_PrintsHashThatVerifies_AndDirectoryFindsApproverByItsChannels()
    {
        using var output = new StringWriter();

        var code = HashPasswordCommand.Run("s3cret pass", output);

        Assert.Equal(0, code);
        var hash = output.ToString().Trim();
        Assert.StartsWith("pbkdf2-sha256$600000$", hash, StringComparison.Ordinal);
        var options = new ApproverOptions();
        options.Approvers["Alice"] = new ApproverSettings { PasswordHash = hash, SlackUserId = "U0ALICE" };
        var directory = new ApproverDirectory(Options.Create(options));
        Assert.Equal("Alice", directory.VerifyPassword("alice", "s3cret pass")?.Name);
        Assert.Null(directory.VerifyPassword("alice", "s3cret pas"));
        Assert.Equal("Alice", directory.FindBySlackUserId("U0ALICE")?.Name);
    }

    [Fact]
    public void HashPassword_Fails_WhenPasswordIsEmpty()
    {
        using var output = new StringWriter();

        Assert.Equal(1, HashPasswordCommand.Run("", output));
        Assert.Contains("password is empty", output.ToString(), StringComparison.Ordinal);
    }
}
