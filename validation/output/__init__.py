"""Report writers: terminal (rich), JSON, Markdown, JUnit XML and SARIF 2.1.0."""
