package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/lifeline-gov/lifeline/rules"
)

// runCalc reads one situation as JSON on stdin and writes the result as JSON
// on stdout (the contract is in docs/RULES.md). Bad input is an error naming
// the field, and main exits non-zero.
func runCalc(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("calc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	reform := fs.String("reform", "", "YAML `file` of parameter overrides to apply")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: lifeline calc [--reform FILE] < situation.json")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	engine, err := engineWithReform(*reform)
	if err != nil {
		return err
	}
	s, err := rules.DecodeSituation(stdin)
	if err != nil {
		return err
	}
	res, err := engine.Calculate(s)
	if err != nil {
		return err
	}
	return rules.EncodeResult(stdout, res)
}

// engineWithReform returns the engine over the published parameters, with
// the reform in file applied if file is not empty.
func engineWithReform(file string) (*rules.Engine, error) {
	params := rules.DefaultParams()
	if file == "" {
		return rules.NewEngine(params), nil
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("reform: %w", err)
	}
	defer f.Close()
	reformed, err := params.ParseReform(f)
	if err != nil {
		return nil, err
	}
	return rules.NewEngine(reformed), nil
}
