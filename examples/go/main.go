// rivya-sora2-go: start, await, query, update and cancel a rivya-sora2-temporal generation from Go.
//
// Every command prints one JSON object on stdout. Exit codes: 0 done, 1 usage or connection error,
// 2 the workflow id is taken by other input, 3 the generation (or the Update) failed: the JSON then
// holds the failure's type, message and details.
//
// Connection: TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default "default"),
// RIVYA_TASK_QUEUE (default rivya-sora2). This example has no payload codec: for an encrypted
// deployment see docs/codec-format.md (the Python example implements it).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

const (
	exitFailed   = 3
	exitConflict = 2
)

func emit(value map[string]any) {
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetEscapeHTML(false)
	_ = encoder.Encode(value)
}

func env(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}

func usage() {
	names := make([]string, 0, len(Updates))
	for name, arg := range Updates {
		names = append(names, "    "+name+" "+arg)
	}
	sort.Strings(names)
	fmt.Fprintf(os.Stderr, `usage: rivya-sora2-go <command> --workflow-id ID [flags]

commands:
  start   --input JSON | --input-file PATH [--task-queue Q]   start, or attach to the run under this id
  run     --input JSON | --input-file PATH [--task-queue Q]   start or attach, then await the result
  result                                                      await the result (or the typed failure)
  status  [--until-phase P] [--with-task] [--timeout 30s]     query %s
  update  --name NAME [--arg JSON]                            send an operator Update:
%s
  cancel                                                      request cancellation (fails with GenerationCancelled)
`, StatusQuery, strings.Join(names, "\n"))
}

func main() {
	if len(os.Args) < 2 || strings.HasPrefix(os.Args[1], "-") {
		usage()
		os.Exit(1)
	}
	os.Exit(run(os.Args[1], os.Args[2:]))
}

func run(command string, argv []string) int {
	flags := flag.NewFlagSet(command, flag.ContinueOnError)
	workflowID := flags.String("workflow-id", "", "the generation's identity (Rivya's Idempotency-Key)")
	inputText := flags.String("input", "", "the generation input as JSON")
	inputFile := flags.String("input-file", "", "a file holding the input JSON")
	taskQueue := flags.String("task-queue", env("RIVYA_TASK_QUEUE", DefaultTaskQueue), "the worker's task queue")
	untilPhase := flags.String("until-phase", "", "status: re-query until the run is in this phase")
	withTask := flags.Bool("with-task", false, "status: with --until-phase, also until the Rivya task exists")
	timeout := flags.Duration("timeout", 30*time.Second, "status: how long to wait for --until-phase")
	updateName := flags.String("name", "", "update: the Update's name")
	updateArg := flags.String("arg", "", "update: the Update's argument as JSON")
	if err := flags.Parse(argv); err != nil {
		return 1
	}
	if *workflowID == "" {
		fmt.Fprintln(os.Stderr, "--workflow-id is required")
		return 1
	}

	c, err := client.Dial(client.Options{
		HostPort:  env("TEMPORAL_ADDRESS", "localhost:7233"),
		Namespace: env("TEMPORAL_NAMESPACE", "default"),
		// The SDK's own logging goes to stderr at warn level: stdout is this program's JSON.
		Logger: sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot connect to Temporal:", err)
		return 1
	}
	defer c.Close()
	ctx := context.Background()

	switch command {
	case "start", "run":
		input, err := readInput(*inputText, *inputFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		workflowRun, err := StartOrAttach(ctx, c, input, *workflowID, *taskQueue)
		var conflict *WorkflowIDConflictError
		if errors.As(err, &conflict) {
			emit(map[string]any{"workflowId": *workflowID, "ok": false, "conflict": conflict.Error(), "runId": conflict.RunID})
			return exitConflict
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "start failed:", err)
			return 1
		}
		if command == "start" {
			emit(map[string]any{"workflowId": workflowRun.GetID(), "runId": workflowRun.GetRunID()})
			return 0
		}
		return awaitResult(ctx, workflowRun)
	case "result":
		return awaitResult(ctx, c.GetWorkflow(ctx, *workflowID, ""))
	case "status":
		deadline := time.Now().Add(*timeout)
		for {
			value, err := c.QueryWorkflow(ctx, *workflowID, "", StatusQuery)
			if err != nil {
				fmt.Fprintln(os.Stderr, "query failed:", err)
				return 1
			}
			var status map[string]any
			if err := value.Get(&status); err != nil {
				fmt.Fprintln(os.Stderr, "query result:", err)
				return 1
			}
			reached := *untilPhase == "" || (status["phase"] == *untilPhase && (!*withTask || status["taskId"] != nil))
			if reached || time.Now().After(deadline) {
				emit(map[string]any{"workflowId": *workflowID, "ok": reached, "status": status})
				if reached {
					return 0
				}
				return exitFailed
			}
			time.Sleep(200 * time.Millisecond)
		}
	case "update":
		if _, known := Updates[*updateName]; !known {
			fmt.Fprintf(os.Stderr, "--name must be one of the operator Updates (run without arguments for the list)\n")
			return 1
		}
		var args []any
		if *updateArg != "" {
			var arg any
			if err := json.Unmarshal([]byte(*updateArg), &arg); err != nil {
				fmt.Fprintln(os.Stderr, "--arg is not JSON:", err)
				return 1
			}
			args = append(args, arg)
		}
		handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID:   *workflowID,
			UpdateName:   *updateName,
			Args:         args,
			WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		var result any
		if err == nil {
			err = handle.Get(ctx, &result)
		}
		if err != nil {
			emit(map[string]any{"workflowId": *workflowID, "ok": false, "update": *updateName, "failure": FailureOf(err)})
			return exitFailed
		}
		emit(map[string]any{"workflowId": *workflowID, "ok": true, "update": *updateName, "result": result})
		return 0
	case "cancel":
		if err := c.CancelWorkflow(ctx, *workflowID, ""); err != nil {
			fmt.Fprintln(os.Stderr, "cancel failed:", err)
			return 1
		}
		emit(map[string]any{"workflowId": *workflowID, "ok": true, "cancelRequested": true})
		return 0
	}
	usage()
	return 1
}

func readInput(text, file string) (map[string]any, error) {
	if (text == "") == (file == "") {
		return nil, errors.New("give exactly one of --input or --input-file")
	}
	var reader io.Reader = strings.NewReader(text)
	if file != "" {
		opened, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer opened.Close()
		reader = opened
	}
	decoder := json.NewDecoder(reader)
	decoder.UseNumber() // numbers pass through as written (the hash and the workflow see the same text)
	var input map[string]any
	if err := decoder.Decode(&input); err != nil || input == nil {
		return nil, errors.New(`the input must be a JSON object, e.g. {"prompt": "a heron over a lake"}`)
	}
	return input, nil
}

func awaitResult(ctx context.Context, workflowRun client.WorkflowRun) int {
	var result map[string]any
	if err := workflowRun.Get(ctx, &result); err != nil {
		emit(map[string]any{"workflowId": workflowRun.GetID(), "ok": false, "failure": FailureOf(err)})
		return exitFailed
	}
	emit(map[string]any{"workflowId": workflowRun.GetID(), "ok": true, "result": result})
	return 0
}
