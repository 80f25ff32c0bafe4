using ApprovalGateway.Approvals;
using ApprovalGateway.Audit;
using ApprovalGateway.Policy.Decisions;
using ApprovalGateway.Policy.Evaluation;
using ApprovalGateway.Proxy;

namespace ApprovalGateway.Tests.Infrastructure;

// Removed once the policy, approvals and audit branches land.
internal sealed class TemporaryDoubles : IToolCallPolicy, IApprovalGate, IAuditLog
{
    public PolicyDecision Decide(in ToolCallFacts facts) => new(DecisionKind.Allowed, "default");
    public bool IsHidden(string tool, string? agent) => false;
    public Task<ApprovalOutcome> RequestAsync(ApprovalRequest request, IProgress<ApprovalWaitStatus>? progress, CancellationToken cancellationToken) => throw new NotSupportedException();
    public ValueTask AppendAsync(AuditRecord record, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    public IReadOnlyList<AuditRecord> Recent(int limit) => [];

    public static void Register(WebApplicationBuilder builder)
    {
        var d = new TemporaryDoubles();
        builder.Services.AddSingleton<IToolCallPolicy>(d);
        builder.Services.AddSingleton<IApprovalGate>(d);
        builder.Services.AddSingleton<IAuditLog>(d);
    }
}
