package main

// Start-or-attach and typed failures: what startSora2Generation does in TypeScript, in Go.
//
// The workflow id is the generation's identity (it becomes Rivya's Idempotency-Key), so the same
// id must never mean two generations: REJECT_DUPLICATE (no second run under a used id),
// USE_EXISTING (a retried start attaches to the running one), and a closed run under the id is
// attached to rather than run (and paid) again.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

const (
	WorkflowType     = "sora2Generation"
	DefaultTaskQueue = "rivya-sora2"
	StatusQuery      = "sora2Status"
	// The TypeScript helper keeps the hash of its *normalised* input under `rivyaInputSha256`; this
	// caller cannot normalise the same way, so it keeps the hash of the input it sent under its own
	// key (the Python example uses the same key and hash). TypeScript callers attach to such runs.
	InputHashMemoKey = "rivyaCallerInputSha256"
)

// Updates are the operator Updates (workflows/generation/messages.ts) and their argument shapes.
var Updates = map[string]string{
	"sora2ExtendDeadline": `{"byMs": 600000} or {"until": "<ISO time>"}`,
	"sora2CheckNow":       "(no argument): check the task now, returns the status",
	"sora2SetPolling":     `{"minIntervalMs"?, "maxIntervalMs"?, "webhooks"?}`,
}

// WorkflowIDConflictError: the id is taken by a generation of different input; attaching would
// hand back that other generation's video.
type WorkflowIDConflictError struct {
	WorkflowID, RunID string
}

func (e *WorkflowIDConflictError) Error() string {
	return fmt.Sprintf("workflow id %s is already used by a run with different input (run %s): "+
		"start with another workflow id, or with the same input to attach", e.WorkflowID, e.RunID)
}

// InputHash is sha256 of the input as compact JSON with sorted keys (encoding/json sorts map keys).
func InputHash(input map[string]any) (string, error) {
	var buf bytes.Buffer
	encoder := json.NewEncoder(&buf)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(input); err != nil {
		return "", err
	}
	sum := sha256.Sum256(bytes.TrimRight(buf.Bytes(), "\n"))
	return hex.EncodeToString(sum[:]), nil
}

// SummaryOf is the Temporal UI's one-line label: `sora-2: <title or first words>`.
func SummaryOf(input map[string]any) string {
	label := ""
	if metadata, ok := input["metadata"].(map[string]any); ok {
		if title, ok := metadata["title"].(string); ok {
			label = strings.Join(strings.Fields(title), " ")
		}
	}
	if label == "" {
		prompt, _ := input["prompt"].(string)
		words := strings.Fields(prompt)
		if len(words) > 6 {
			words = words[:6]
		}
		label = strings.Join(words, " ")
	}
	if runes := []rune(label); len(runes) > 60 {
		label = string(runes[:59]) + "…"
	}
	model, ok := input["model"].(string)
	if !ok {
		model = "sora-2"
	}
	if label == "" {
		return model + " generation"
	}
	return model + ": " + label
}

// StartOrAttach starts the generation, or attaches to the one under this id when it has the same input.
func StartOrAttach(ctx context.Context, c client.Client, input map[string]any, workflowID, taskQueue string) (client.WorkflowRun, error) {
	digest, err := InputHash(input)
	if err != nil {
		return nil, err
	}
	_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflowID,
		TaskQueue:                taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		// Closed and refused a second run: hand back that run instead of an error (attach).
		WorkflowExecutionErrorWhenAlreadyStarted: false,
		Memo:                                     map[string]any{InputHashMemoKey: digest},
		StaticSummary:                            SummaryOf(input),
	}, WorkflowType, input)
	var alreadyStarted *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &alreadyStarted) {
		err = nil // closed, and the reuse policy refuses a second run: attach to its outcome
	}
	if err != nil {
		return nil, err
	}
	description, err := c.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil {
		return nil, err
	}
	info := description.GetWorkflowExecutionInfo()
	runID := info.GetExecution().GetRunId()
	if payload, ok := info.GetMemo().GetFields()[InputHashMemoKey]; ok {
		var existing string
		if err := converter.GetDefaultDataConverter().FromPayload(payload, &existing); err == nil && existing != digest {
			return nil, &WorkflowIDConflictError{WorkflowID: workflowID, RunID: runID}
		}
	}
	return c.GetWorkflow(ctx, workflowID, runID), nil
}

// Failure is a workflow's (or an Update's) failure as data: the ApplicationError's type, message, details.
type Failure struct {
	Type         string `json:"type"`
	Message      string `json:"message"`
	NonRetryable bool   `json:"nonRetryable"`
	Details      any    `json:"details"`
}

// FailureOf reads the typed failure out of a WorkflowExecutionError or an Update's error.
func FailureOf(err error) Failure {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		failure := Failure{Type: appErr.Type(), Message: appErr.Message(), NonRetryable: appErr.NonRetryable()}
		if appErr.HasDetails() {
			var details map[string]any
			if detailsErr := appErr.Details(&details); detailsErr == nil {
				failure.Details = details
			}
		}
		return failure
	}
	var canceled *temporal.CanceledError
	if errors.As(err, &canceled) {
		return Failure{Type: "CanceledError", Message: canceled.Error()}
	}
	return Failure{Type: fmt.Sprintf("%T", errors.Unwrap(err)), Message: err.Error()}
}
