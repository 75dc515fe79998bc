package scenarios

import "testing"

// TestRegistry: names are unique and non-empty, every entry can run, and a
// wrong name is refused with the known names.
func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, sc := range All() {
		if sc.Name == "" || sc.Run == nil || sc.Doc == "" {
			t.Fatalf("incomplete registry entry %+v", sc)
		}
		if seen[sc.Name] {
			t.Fatalf("scenario %q registered twice", sc.Name)
		}
		seen[sc.Name] = true
		got, err := Lookup(sc.Name)
		if err != nil || got.Name != sc.Name {
			t.Fatalf("Lookup(%q) = %v, %v", sc.Name, got.Name, err)
		}
	}
	if !seen[Default] {
		t.Fatalf("the default scenario %q is not registered", Default)
	}
	if _, err := Lookup("nope"); err == nil {
		t.Fatal("an unknown name was accepted")
	}
}
