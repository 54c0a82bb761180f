package run

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
)

// FuzzHistory: no history.csv makes the reader panic; what it accepts has
// epochs 1..n, and writing it back and reading it again is a fixed point
// (the writer rounds the losses to 10 digits and the seconds to 3 decimals).
func FuzzHistory(f *testing.F) {
	f.Add([]byte("epoch,train_loss,val_loss,seconds\n1,0.5,0.25,1.5\n2,0.25,NaN,0.001\n"))
	f.Add([]byte("epoch,train_loss,val_loss,seconds\n"))
	f.Add([]byte("epoch,train_loss,val_loss,seconds\n1,+Inf,-Inf,1e300\n"))
	f.Add([]byte("epoch,train_loss\n1,2\n"))
	f.Add([]byte("epoch,train_loss,val_loss,seconds\n2,0.5,0.25,1.5\n"))
	f.Add([]byte("epoch,train_loss,val_loss,seconds\n1,\"0.5\",0.25,1\n"))
	f.Add([]byte("\"epoch,train_loss,val_loss,seconds\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := parseHistory(bytes.NewReader(data), "history.csv")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "history.csv") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for i, r := range rows {
			if r.Epoch != i+1 {
				t.Fatalf("row %d has epoch %d", i, r.Epoch)
			}
		}
		once := encodeHistory(rows)
		back, err := parseHistory(bytes.NewReader(once), "history.csv")
		if err != nil {
			t.Fatalf("written history refused: %v\n%s", err, once)
		}
		if twice := encodeHistory(back); !bytes.Equal(once, twice) {
			t.Fatalf("history changes when written again:\n%s\n%s", once, twice)
		}
	})
}

// FuzzState: no state.json makes the reader panic; what it accepts has a
// known status and consistent epochs, and survives writing and reading.
func FuzzState(f *testing.F) {
	good, _ := json.Marshal(State{Status: StatusFinished, Epoch: 3, Epochs: 3, BestVal: 0.1, BestEpoch: 2, Updated: time.Unix(1, 0).UTC(), PID: 7, Host: "h"})
	f.Add(good)
	f.Add([]byte(`{"status": "training", "epoch": 0, "epochs": 10}`))
	f.Add([]byte(`{"status": "finished", "epoch": 3, "epochs": 3, "best_epoch": 4}`))
	f.Add([]byte(`{"status": "done"}`))
	f.Add([]byte(`{"status": "fin`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"epoch": -1, "status": "stopped"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := parseState(data, "state.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "state.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if st.Epoch < 0 || st.BestEpoch > st.Epoch {
			t.Fatalf("accepted inconsistent state %+v", st)
		}
		if math.IsNaN(st.BestVal) {
			t.Fatalf("JSON gave a NaN")
		}
		again, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		back, err := parseState(again, "state.json")
		if err != nil || back.Status != st.Status || back.Epoch != st.Epoch || back.BestEpoch != st.BestEpoch || !back.Updated.Equal(st.Updated) {
			t.Fatalf("state does not survive writing: %+v → %+v (%v)", st, back, err)
		}
	})
}
