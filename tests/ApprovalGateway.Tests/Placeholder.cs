namespace ApprovalGateway.Tests;
