namespace ApprovalGateway.Policy.Risk;

/// <summary>What a tool does to the world it touches.</summary>
public enum ToolCategory
{
    ReadOnly,
    Write,
    Destructive,
    Financial,
}
