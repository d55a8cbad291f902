// Command kubecheck strictly decodes rendered Kubernetes manifests (stdin, multi-document
// YAML) into the Go types the API server itself uses: a misspelled or misplaced field, a wrong
// value type or a duplicated key is an error. This is what `kubeconform -strict` checks, without
// downloading JSON schemas: everything comes from the Go module cache. Kinds it knows: all
// built-in APIs, Gateway API v1 and the Prometheus Operator's monitoring.coreos.com/v1.
//
// Output: one line per document ("ok <kind> <name>" or "error <kind> <name>: <why>"); exit 1
// when any document failed.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme,
		gatewayv1.Install,
		monitoringv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			fmt.Fprintln(os.Stderr, "kubecheck:", err)
			os.Exit(2)
		}
	}
	decoder := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()

	reader := utilyaml.NewYAMLReader(bufio.NewReader(os.Stdin))
	failed := 0
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("error reading input:", err)
			os.Exit(1)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		kind, name := describe(doc)
		if _, _, err := decoder.Decode(doc, nil, nil); err != nil {
			failed++
			fmt.Printf("error %s %s: %v\n", kind, name, err)
			continue
		}
		fmt.Printf("ok %s %s\n", kind, name)
	}
	if failed > 0 {
		os.Exit(1)
	}
}

// describe names a document for the report, even when it does not decode.
func describe(doc []byte) (string, string) {
	var u unstructured.Unstructured
	if err := yaml.Unmarshal(doc, &u.Object); err != nil {
		return "?", "?"
	}
	return u.GetAPIVersion() + "/" + u.GetKind(), u.GetName()
}

func stripComments(doc []byte) []byte {
	var out bytes.Buffer
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out.Write(line)
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}
