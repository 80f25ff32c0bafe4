namespace ApprovalGateway.Policy.Risk;

/// <summary>How much harm a tool can do; critical calls need a human by default.</summary>
public enum RiskClass
{
    Low,
    Medium,
    High,
    Critical,
}
