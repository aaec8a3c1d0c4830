package compare

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes v (a Report, or a Bench) as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("writing JSON: %w", err)
	}
	return nil
}
