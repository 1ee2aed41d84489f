"""The knowledge base (知识库): 办事指南 and 政策咨询 answers for inquiries, searched in Chinese."""
