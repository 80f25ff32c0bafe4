namespace ApprovalGateway.Policy.Risk;

// Placeholder until the policy branch lands; replaced wholesale by the real classifier.
public static class RiskClassifier
{
    public static ToolRisk Classify(ToolDescriptor tool) =>
        tool.ReadOnlyHint == true ? new(ToolCategory.ReadOnly, RiskClass.Low, "readOnlyHint") : new(ToolCategory.Write, RiskClass.Medium, "unknown");
}
