package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"

	lhttp "github.com/lifeline-gov/lifeline/http"
	"github.com/lifeline-gov/lifeline/provenance"
	"github.com/lifeline-gov/lifeline/provenance/publish"
	"github.com/lifeline-gov/lifeline/rules"
	"github.com/lifeline-gov/lifeline/sharing"
)

const benchQueriesUsage = `Usage: lifeline bench partner-queries [flags]

Seeds a population with Universal Credit awards, registers a council with
an agreement, and sends it partner queries over loopback HTTP at a fixed
rate (open loop: each request is timed from when it was due, so a slow
platform cannot slow the load down and hide its own latency). Every query
is authenticated, checked against the agreement's CEL condition, recorded
against the person, committed to the provenance log and answered with its
receipt. Checkpoints are published every second meanwhile.
`

func benchPartnerQueries(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench partner-queries", flag.ContinueOnError)
	fs.SetOutput(stderr)
	people := fs.Int("people", 20_000, "people in the population, each with a Universal Credit award")
	rate := fs.Int("rate", 1000, "queries a second")
	duration := fs.Duration("duration", 20*time.Second, "how long to measure, after a two-second warm-up")
	data := fs.String("data", "", "data directory for the embedded store (default: a new temporary directory, removed after)")
	database := fs.String("database", "", "PostgreSQL URL to measure instead of the embedded store")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the measured period to this file")
	if err := fs.Parse(args); err != nil {
		fmt.Fprint(stderr, benchQueriesUsage)
		return errUsage
	}
	env, master, err := openBenchEnv(ctx, *data, *database, stderr)
	if err != nil {
		return err
	}
	defer env.cleanup()
	svc := newClaims(env.st, master, true)
	began := time.Now()
	if _, err := seed(ctx, svc, *people, rules.MakeDate(2026, 6, 1), 60, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded:     %d people with Universal Credit in %.1fs\n", *people, time.Since(began).Seconds())

	skey, vkey, err := provenance.GenerateKey(rand.Reader, "lifeline.bench/log")
	if err != nil {
		return err
	}
	logKey, _ := note.NewSigner(skey)
	verifier, _ := note.NewVerifier(vkey)
	notary := publish.NewNotary(env.st, logKey)
	defer notary.Close()
	sharer := sharing.New(env.st, svc, notary, sharing.Config{MasterKey: master, AllowSpecimenNINO: true})
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	signer := &publish.Signer{Store: env.st, Leases: env.st, Holder: "bench", Key: logKey}
	go signer.Run(bctx)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: (&lhttp.Server{Log: env.st, Sharing: sharer, Claims: svc}).Handler()}
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	partner, secret, err := sharer.RegisterPartner(ctx, sharing.NewPartner{Name: "Bench Council", Kind: "council", Contact: "dpo@bench.example"}, "")
	if err != nil {
		return err
	}
	ag, err := sharer.MakeAgreement(ctx, sharing.AgreementChange{Reason: "benchmark", Terms: sharing.Terms{
		PartnerID: partner.ID, Title: "Council tax reduction", Purposes: []string{"council-tax-reduction"},
		LegalGateway: "Welfare Reform Act 2012 s131", Benefits: []string{"universal_credit"},
		Fields: []string{"receives_benefit", "amounts"}, Condition: `"universal_credit" in person.receives`,
		DailyLimit: 10_000_000, Start: rules.MakeDate(2026, 1, 1), End: rules.MakeDate(2099, 12, 31)}}, "")
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4096, MaxConnsPerHost: 0}, Timeout: 30 * time.Second}
	token, err := benchToken(client, base, secret)
	if err != nil {
		return err
	}

	type result struct {
		latency time.Duration
		status  int
		body    []byte
	}
	var (
		mu        sync.Mutex
		results   []result
		failed    atomic.Int64
		firstFail atomic.Pointer[string]
		measuring atomic.Bool
		wg        sync.WaitGroup
	)
	query := func(i int, due time.Time) {
		defer wg.Done()
		r := mrand.New(mrand.NewPCG(uint64(i), 7))
		body, _ := json.Marshal(map[string]any{"agreement": ag.ID, "purpose": "council-tax-reduction", "fields": []string{"receives_benefit", "amounts"},
			"person": map[string]string{"nino": fmt.Sprintf("QQ%06dA", i%1_000_000), "date_of_birth": benchDOB(r).String()}})
		req, _ := http.NewRequestWithContext(bctx, "POST", base+"/v1/partner/queries", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		res := result{status: 0}
		if err == nil {
			res.body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			res.status = resp.StatusCode
		}
		res.latency = time.Since(due)
		if res.status != http.StatusOK {
			failed.Add(1)
			why := fmt.Sprintf("status %d: %s (%v)", res.status, bytes.TrimSpace(res.body), err)
			firstFail.CompareAndSwap(nil, &why)
		}
		if measuring.Load() {
			mu.Lock()
			results = append(results, res)
			mu.Unlock()
		}
	}
	interval := time.Second / time.Duration(*rate)
	warm := 2 * time.Second
	start := time.Now()
	var stopProfile func()
	for n := 0; ; n++ {
		due := start.Add(time.Duration(n) * interval)
		elapsed := due.Sub(start)
		if elapsed >= warm+*duration {
			break
		}
		if elapsed >= warm && !measuring.Load() {
			measuring.Store(true)
			if *cpuprofile != "" {
				f, err := os.Create(*cpuprofile)
				if err == nil {
					pprof.StartCPUProfile(f)
					stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
				}
			}
		}
		time.Sleep(time.Until(due))
		wg.Add(1)
		go query(mrand.IntN(*people), due)
	}
	measuring.Store(false)
	wg.Wait()
	if stopProfile != nil {
		stopProfile()
	}

	// Every answer measured must carry a receipt that verifies.
	lat := make([]time.Duration, 0, len(results))
	bad := 0
	for _, r := range results {
		lat = append(lat, r.latency)
		if r.status != http.StatusOK {
			continue
		}
		var a struct {
			Receipt json.RawMessage `json:"receipt"`
		}
		json.Unmarshal(r.body, &a)
		rc, err := provenance.ParseReceipt(a.Receipt)
		if err == nil {
			_, err = provenance.VerifyReceipt(rc, verifier)
		}
		if err != nil {
			bad++
		}
	}
	slices.Sort(lat)
	store := "sqlite"
	if *database != "" {
		store = "postgres"
	}
	fmt.Fprintf(stdout, "store:      %s\n", store)
	fmt.Fprintf(stdout, "queries:    %d in %s at %d/s offered, %d failed, %d receipts that did not verify\n", len(results), *duration, *rate, failed.Load(), bad)
	if len(lat) > 0 {
		fmt.Fprintf(stdout, "latency:    p50 %v  p90 %v  p99 %v  max %v (from when each was due)\n", pct(lat, 50), pct(lat, 90), pct(lat, 99), lat[len(lat)-1])
	}
	if failed.Load() > 0 || bad > 0 {
		why := ""
		if p := firstFail.Load(); p != nil {
			why = "; the first failure: " + *p
		}
		return fmt.Errorf("%d queries failed and %d receipts did not verify%s", failed.Load(), bad, why)
	}
	return nil
}

// benchToken gets an access token with the client credentials grant.
func benchToken(client *http.Client, base string, secret sharing.IssuedSecret) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {secret.PartnerID}, "client_secret": {secret.Secret}}
	resp, err := client.Post(base+"/v1/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok sharing.IssuedToken
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("token: %s %v", resp.Status, err)
	}
	return tok.AccessToken, nil
}
