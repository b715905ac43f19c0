package rules

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Each testdata/*.json situation has its full explained result in a .golden
// file next to it. Read them as worked examples; after a deliberate change,
// run "go test ./rules -run Golden -update" and review the diff.
func TestGoldenExplanations(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	engine := NewEngine(testParams)
	for _, in := range files {
		t.Run(filepath.Base(in), func(t *testing.T) {
			f, err := os.Open(in)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			s, err := DecodeSituation(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := engine.Calculate(s)
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			if err := EncodeResult(&got, res); err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(in, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("result differs from %s; run with -update and review the diff.\ngot:\n%s", golden, got.Bytes())
			}
		})
	}
}
