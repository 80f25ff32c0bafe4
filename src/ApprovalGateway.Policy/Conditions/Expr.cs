using ApprovalGateway.Policy.Evaluation;

namespace ApprovalGateway.Policy.Conditions;

/// <summary>A node of a compiled condition. Evaluation reads the call's facts and never allocates on common paths.</summary>
internal abstract class Expr
{
    /// <summary>True when the node yields a boolean, so it may stand at the top of a condition.</summary>
    public virtual bool IsBoolean => false;

    public abstract Value Evaluate(in ToolCallFacts facts);
}
