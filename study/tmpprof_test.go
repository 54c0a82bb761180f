package study

import (
	"context"
	"os"
	"testing"
	"time"
)

func TestTmpProfile(t *testing.T) {
	dir := os.Getenv("PROF_RUN")
	if dir == "" {
		t.Skip()
	}
	s, err := Open(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Now()
	s.Inference(ctx, "all")
	t.Log("inference", time.Since(t0))
	t0 = time.Now()
	s.Latents(ctx, "all")
	t.Log("latents", time.Since(t0))
	t0 = time.Now()
	s.PCA(ctx, "all")
	t.Log("pca", time.Since(t0))
	t0 = time.Now()
	s.Performance(ctx, "all")
	t.Log("performance", time.Since(t0))
	if os.Getenv("PROF_CMP") != "" {
		b, _ := Open(dir, false)
		t0 = time.Now()
		_, err := s.Compare(ctx, b, CompareOptions{}, func(p Progress) { t.Log(time.Since(t0), p.Stage) })
		t.Log("compare", time.Since(t0), err)
	}
}
