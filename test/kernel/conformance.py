"""The official kernel conformance suite (jupyter_kernel_test), with every attribute it
supports filled in for the threadlab kernel. Run by test/kernel/conformance.test.ts."""
import unittest

import jupyter_kernel_test


class ThreadlabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "threadlab"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("some error")'

    completion_samples = [
        {"text": "Math.ab", "matches": {"abs"}},
        {"text": "const greeting = 1; greet", "matches": {"greeting"}},
    ]
    complete_code_samples = ["1 + 1", "function f() { return 1; }", "const x = [1, 2, 3];"]
    incomplete_code_samples = ["function f() {", "const x = [1,", "if (true) {"]

    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"thread" + "lab"', "result": "'threadlab'"},
        {"code": "[1, 2].map((x) => x * 2)", "result": "[ 2, 4 ]"},
    ]
    code_display_data = [
        {"code": 'import { display } from "tslab";\ndisplay.html("<b>hi</b>")', "mime": "text/html"},
        {"code": 'import { display } from "tslab";\ndisplay.markdown("*hi*")', "mime": "text/markdown"},
    ]
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "6 *"
    code_inspect_sample = "Math.max"


if __name__ == "__main__":
    unittest.main()
